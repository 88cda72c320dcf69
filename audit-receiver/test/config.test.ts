import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadArchiveConfig, loadConfig, type Env } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const emptySecrets = mkdtempSync(join(tmpdir(), 'cfg-'));

function configError(env: Env): ConfigError {
  try {
    loadArchiveConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('loadArchiveConfig', () => {
  it('names ARCHIVE_URL when it is missing or blank', () => {
    assert.equal(configError({}).key, 'ARCHIVE_URL');
    assert.equal(configError({ ARCHIVE_URL: '  ' }).key, 'ARCHIVE_URL');
  });

  it('names ARCHIVE_URL for an unknown scheme or a bad bucket', () => {
    for (const url of ['http://bucket', 's3://', 's3://a', 's3://bad bucket/x', 's3://b/../x', 'file:']) {
      assert.equal(configError({ ARCHIVE_URL: url }).key, 'ARCHIVE_URL', url);
    }
  });

  it('reads file: archives as absolute directories', () => {
    assert.deepEqual(loadArchiveConfig({ ARCHIVE_URL: 'file:./data' }), { kind: 'file', root: resolve('data') });
    assert.deepEqual(loadArchiveConfig({ ARCHIVE_URL: 'file:///srv/archive' }), { kind: 'file', root: '/srv/archive' });
  });

  it('reads s3:// archives with a normalised prefix and the documented defaults', () => {
    const config = loadArchiveConfig({ ARCHIVE_URL: 's3://audit-logs//prod/eu/', SECRETS_DIR: emptySecrets });
    assert.deepEqual(config, {
      kind: 's3',
      bucket: 'audit-logs',
      prefix: 'prod/eu/',
      endpoint: undefined,
      region: 'us-east-1',
      forcePathStyle: false,
      credentials: undefined,
      requestTimeoutMs: 5000,
      maxAttempts: 3,
      objectLock: undefined,
      sse: undefined,
    });
    assert.equal(
      loadArchiveConfig({ ARCHIVE_URL: 's3://audit-logs', SECRETS_DIR: emptySecrets }).kind === 's3' && true,
      true,
    );
  });

  it('uses path-style addressing by default when an endpoint is given, and lets it be turned off', () => {
    const base = { ARCHIVE_URL: 's3://b-1', S3_ENDPOINT: 'http://127.0.0.1:7480', SECRETS_DIR: emptySecrets };
    assert.equal((loadArchiveConfig(base) as { forcePathStyle: boolean }).forcePathStyle, true);
    assert.equal(
      (loadArchiveConfig({ ...base, S3_FORCE_PATH_STYLE: 'false' }) as { forcePathStyle: boolean }).forcePathStyle,
      false,
    );
  });

  it('names the setting that is invalid', () => {
    const base = { ARCHIVE_URL: 's3://b-1', SECRETS_DIR: emptySecrets };
    assert.equal(configError({ ...base, S3_ENDPOINT: 'localhost:7480' }).key, 'S3_ENDPOINT');
    assert.equal(configError({ ...base, S3_FORCE_PATH_STYLE: 'yes please' }).key, 'S3_FORCE_PATH_STYLE');
    assert.equal(configError({ ...base, S3_REQUEST_TIMEOUT_MS: '5s' }).key, 'S3_REQUEST_TIMEOUT_MS');
    assert.equal(configError({ ...base, S3_MAX_ATTEMPTS: '0' }).key, 'S3_MAX_ATTEMPTS');
  });

  it('reads Object Lock and server-side encryption settings, and names the one that is wrong', () => {
    const base = { ARCHIVE_URL: 's3://b-1', SECRETS_DIR: emptySecrets };
    const locked = loadArchiveConfig({
      ...base,
      S3_OBJECT_LOCK_MODE: 'governance',
      S3_OBJECT_LOCK_RETAIN_DAYS: '2555',
      S3_SSE: 'aws:kms',
      S3_SSE_KMS_KEY_ID: 'k1',
    });
    assert.ok(locked.kind === 's3');
    assert.deepEqual(locked.objectLock, { mode: 'GOVERNANCE', retainDays: 2555 });
    assert.deepEqual(locked.sse, { algorithm: 'aws:kms', kmsKeyId: 'k1' });
    assert.equal(
      configError({ ...base, S3_OBJECT_LOCK_MODE: 'FOREVER', S3_OBJECT_LOCK_RETAIN_DAYS: '1' }).key,
      'S3_OBJECT_LOCK_MODE',
    );
    assert.equal(configError({ ...base, S3_OBJECT_LOCK_MODE: 'COMPLIANCE' }).key, 'S3_OBJECT_LOCK_RETAIN_DAYS');
    assert.equal(configError({ ...base, S3_OBJECT_LOCK_RETAIN_DAYS: '3' }).key, 'S3_OBJECT_LOCK_MODE');
    assert.equal(
      configError({ ...base, S3_OBJECT_LOCK_MODE: 'COMPLIANCE', S3_OBJECT_LOCK_RETAIN_DAYS: '0' }).key,
      'S3_OBJECT_LOCK_RETAIN_DAYS',
    );
    assert.equal(configError({ ...base, S3_SSE: 'DES' }).key, 'S3_SSE');
    assert.equal(configError({ ...base, S3_SSE: 'AES256', S3_SSE_KMS_KEY_ID: 'k' }).key, 'S3_SSE_KMS_KEY_ID');
  });

  it('takes S3 credentials from the secret files, and names the missing half of a pair', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 's3-access-key-id'), 'AKIDEXAMPLE\n');
    assert.equal(configError({ ARCHIVE_URL: 's3://b-1', SECRETS_DIR: dir }).key, 's3-secret-access-key');
    writeFileSync(join(dir, 's3-secret-access-key'), 'shh\n');
    const config = loadArchiveConfig({ ARCHIVE_URL: 's3://b-1', SECRETS_DIR: dir });
    assert.deepEqual(config.kind === 's3' && config.credentials, {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'shh',
    });
  });
});

describe('loadConfig', () => {
  it('defaults SECRETS_DIR to the OpenFaaS mount point', () => {
    assert.equal(loadConfig({ ARCHIVE_URL: 'file:/tmp/x' }).secretsDir, '/var/openfaas/secrets');
  });
});
