// A receiver with a missing or invalid setting must refuse to start, naming the setting: it never runs
// "accepting everything" or writing nowhere.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { receiverEnv, secretsDir, startServerExpectingExit } from './helpers/receiver-process.js';

const secrets = () => secretsDir({ 'webhook-secret': 'topsecret\n' });

describe('receiver start-up', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['ARCHIVE_URL is not set', { SECRETS_DIR: secrets() }, /ARCHIVE_URL: not set/],
    [
      'ARCHIVE_URL has an unknown scheme',
      { SECRETS_DIR: secrets(), ARCHIVE_URL: 'ftp://x' },
      /ARCHIVE_URL: unsupported scheme/,
    ],
    [
      'the webhook secret is missing',
      { SECRETS_DIR: secretsDir({}), ARCHIVE_URL: 'file:/tmp/x' },
      /webhook-secret: no secret file at .*webhook-secret/,
    ],
    [
      'S3_ENDPOINT is not a URL',
      { SECRETS_DIR: secrets(), ARCHIVE_URL: 's3://bucket-1', S3_ENDPOINT: 'nope' },
      /S3_ENDPOINT: "nope" is not an http\(s\) URL/,
    ],
    [
      'only one S3 credential file is mounted',
      { SECRETS_DIR: secretsDir({ 'webhook-secret': 'x', 's3-access-key-id': 'id' }), ARCHIVE_URL: 's3://bucket-1' },
      /s3-secret-access-key: missing or empty/,
    ],
  ];
  for (const [what, env, message] of cases) {
    it(`exits non-zero with a message naming the setting when ${what}`, async () => {
      const { code, output } = await startServerExpectingExit(receiverEnv(env));
      assert.equal(code, 1);
      assert.match(output, message);
      assert.ok(!output.includes('topsecret'), 'the secret is never printed');
    });
  }

  it('fails closed, naming the secret, when webhook-secret cannot be read', async () => {
    const dir = secretsDir({});
    mkdirSync(join(dir, 'webhook-secret')); // a directory where the file should be: EISDIR on read
    const { code, output } = await startServerExpectingExit(
      receiverEnv({ SECRETS_DIR: dir, ARCHIVE_URL: 'file:/tmp/x' }),
    );
    assert.equal(code, 1);
    assert.match(output, /webhook-secret: cannot read secret file .*webhook-secret: EISDIR/);
  });

  it('exits non-zero with a clear message when MAX_RAW_SIZE is not a size', async () => {
    const { code, output } = await startServerExpectingExit(
      receiverEnv({ MAX_RAW_SIZE: 'lots', SECRETS_DIR: secrets(), ARCHIVE_URL: 'file:/tmp/x' }),
    );
    assert.equal(code, 1);
    assert.match(output, /MAX_RAW_SIZE="lots" is not a size/);
  });
});
