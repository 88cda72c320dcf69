// Tamper drills on a real archive (disk and Ceph): digests are written by the job, then the archive is
// tampered with one way, and `audit-archive verify` must name what happened.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { canonicalBytes, digestBytes, type Digest } from '../audit-receiver/src/digest/digest-format.js';
import { FileStorage } from '../audit-receiver/src/storage/file-storage.js';
import { S3Storage } from '../audit-receiver/src/storage/s3-storage.js';
import type { ArchiveStorage } from '../audit-receiver/src/storage/storage.js';
import { runCli } from './helpers/cli.js';
import { post, receiverEnv, secretsDir, startServer, startServerExpectingExit } from './helpers/receiver-process.js';
import {
  awsCli,
  awsCliEnv,
  createTestBucket,
  deleteTestBucket,
  s3ArchiveConfig,
  s3Settings,
  s3Test,
  testS3Client,
} from './helpers/s3.js';
import { seedArchive } from './helpers/seed-archive.js';

const keysDir = mkdtempSync(join(tmpdir(), 'digest-keys-'));
function keyPair(name: string): { privateKey: string; publicKey: string } {
  const pair = generateKeyPairSync('ed25519');
  const privateKey = join(keysDir, `${name}.pem`);
  const publicKey = join(keysDir, `${name}.pub.pem`);
  writeFileSync(privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKey };
}
const signer = keyPair('signer');
const attacker = keyPair('attacker');
// The seed's events are dated 2026-11-30..2026-12-02 but written now: look back far enough to reach them.
const lookback = String(Math.ceil((Date.now() - Date.UTC(2026, 10, 30)) / 86_400_000) + 1);
// Three hours ahead: the hour the seed was written in is closed, and the next one too (an empty hour).
const later = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

interface Archive {
  name: string;
  make(): Promise<{ storage: ArchiveStorage; env: Record<string, string> }>;
}
const client = testS3Client();
const buckets: string[] = [];
const archives: Archive[] = [
  {
    name: 'file archive',
    async make() {
      const root = mkdtempSync(join(tmpdir(), 'digest-archive-'));
      return { storage: new FileStorage(root), env: { ARCHIVE_URL: `file:${root}` } };
    },
  },
  {
    name: 's3 archive (Ceph RGW)',
    async make() {
      if (buckets.length === 0) buckets.push(await createTestBucket(client, 'digests'));
      const prefix = `d-${randomBytes(4).toString('hex')}/`;
      const bucket = buckets[0] as string;
      return {
        storage: new S3Storage(s3ArchiveConfig(bucket, prefix)),
        env: s3Settings(`s3://${bucket}/${prefix}`),
      };
    },
  },
];
after(async () => {
  for (const bucket of buckets) await deleteTestBucket(client, bucket);
});

/** A seeded archive with its digests written. */
async function digestedArchive(archive: Archive) {
  const { storage, env } = await archive.make();
  await seedArchive(storage, 6);
  const job = await runCli(
    env,
    'digest',
    '--private-key',
    signer.privateKey,
    '--now',
    later(3),
    '--lookback-days',
    lookback,
  );
  assert.equal(job.status, 0, job.stderr);
  const verify = (...extra: string[]) =>
    runCli(
      env,
      'verify',
      '--from',
      '2026-11-30',
      '--to',
      '2026-12-02',
      '--public-key',
      signer.publicKey,
      '--lookback-days',
      lookback,
      ...extra,
    );
  const keys = async (prefix: string) => {
    const out: string[] = [];
    for await (const o of storage.list(prefix)) out.push(o.key);
    return out;
  };
  return { storage, env, job, verify, keys };
}

const findings = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t') as [string, string, string, string]);

for (const archive of archives) {
  describe(`digests and verify, ${archive.name}`, () => {
    it('writes chained hourly digests (also for an hour with no objects) that verify clean', async () => {
      const { job, verify, keys } = await digestedArchive(archive);
      const lines = job.stdout.trim().split('\n');
      assert.ok(lines.length >= 2, job.stdout);
      assert.ok(lines.every((l) => l.startsWith('hourly\t')));
      assert.ok(
        lines.some((l) => l.includes('\t0 objects\t')),
        'an empty hour has its digest',
      );
      const result = await verify();
      assert.equal(result.status, 0, result.stdout + result.stderr);
      const all = findings(result.stdout);
      assert.ok(all.every(([verdict]) => verdict === 'OK'));
      const objects = (await keys('api_access/')).length + (await keys('function_usage/')).length;
      assert.equal(all.filter(([, subject]) => subject === 'object').length, objects);
    });

    it('reports a deleted object as MISSING', async () => {
      const { storage, verify, keys } = await digestedArchive(archive);
      const [victim] = await keys('api_access/');
      await deleteObject(storage, victim as string);
      const result = await verify();
      assert.equal(result.status, 1);
      assert.deepEqual(
        findings(result.stdout).filter(([v]) => v !== 'OK'),
        [['MISSING', 'object', victim, 'listed in a digest but not in the archive']],
      );
    });

    it('reports an object with one byte changed as ALTERED', async () => {
      const { storage, verify, keys } = await digestedArchive(archive);
      const [victim] = await keys('api_access/');
      const body = (await storage.get(victim as string)) as Buffer;
      const at = body.indexOf('"response_code":') + 16;
      body.writeUInt8(body.readUInt8(at) ^ 1, at); // 2 -> 3, 4 -> 5: one byte
      await storage.put(victim as string, body);
      const result = await verify();
      assert.equal(result.status, 1);
      assert.deepEqual(
        findings(result.stdout).filter(([v]) => v !== 'OK'),
        [['ALTERED', 'object', victim, 'SHA-256 differs from the digest']],
      );
    });

    it('reports an object added after the fact as UNLISTED', async () => {
      const { storage, verify } = await digestedArchive(archive);
      const added = `api_access/year=2026/month=12/day=01/${'f'.repeat(32)}.ndjson`;
      await storage.put(
        added,
        Buffer.from('{"path":"/forged","method":"GET","response_code":200,"time":"2026-12-01T10:00:00Z"}\n'),
      );
      const result = await verify();
      assert.equal(result.status, 1);
      assert.deepEqual(
        findings(result.stdout).filter(([v]) => v !== 'OK'),
        [['UNLISTED', 'object', added, 'in 2026-12-01 but in no digest']],
      );
    });

    it('reports a deleted digest as a BROKEN_CHAIN at the digest after it', async () => {
      const { storage, verify, keys } = await digestedArchive(archive);
      const digests = (await keys('_digests/api_access/'))
        .filter((k) => k.endsWith('.json'))
        .sort((a, b) => (a.split('.')[1]! < b.split('.')[1]! ? -1 : 1));
      assert.ok(digests.length >= 2);
      await deleteObject(storage, digests[0] as string);
      const result = await verify();
      assert.equal(result.status, 1);
      const broken = findings(result.stdout).filter(([v]) => v === 'BROKEN_CHAIN');
      assert.equal(broken[0]?.[2], digests[1]);
      assert.match(broken[0]?.[3] ?? '', /previous digest .* is missing/);
      // The objects only the deleted digest listed are no longer accounted for.
      assert.ok(findings(result.stdout).some(([v]) => v === 'UNLISTED'));
    });

    it('reports a digest re-signed with another key as BAD_SIGNATURE, whatever key id it claims', async () => {
      const { storage, verify, keys } = await digestedArchive(archive);
      const [target] = (await keys('_digests/api_access/')).filter((k) => k.endsWith('.json'));
      const digest = JSON.parse(((await storage.get(target as string)) as Buffer).toString()) as Digest;
      const { createPrivateKey, sign } = await import('node:crypto');
      const attackerKey = createPrivateKey(execFileSync('cat', [attacker.privateKey]));
      // Drop an object from the listing and re-sign, keeping the real signer's key id.
      const { signature: _old, ...unsigned } = { ...digest, objects: digest.objects.slice(1) };
      const forged: Digest = {
        ...unsigned,
        signature: sign(null, canonicalBytes(unsigned), attackerKey).toString('base64'),
      };
      await storage.put(target as string, digestBytes(forged));
      const result = await verify();
      assert.equal(result.status, 1);
      const bad = findings(result.stdout).filter(([v]) => v === 'BAD_SIGNATURE');
      assert.deepEqual(
        bad.map(([, , key, detail]) => [key, detail]),
        [[target, 'signature does not match the digest']],
      );
    });

    it('writes a backfill digest for an object written in an hour already digested, never rewriting one', async () => {
      const { storage, env, verify, keys } = await digestedArchive(archive);
      const before = new Map<string, string>();
      for (const key of await keys('_digests/')) before.set(key, ((await storage.get(key)) as Buffer).toString());
      // A late object: written now, in an hour whose digest exists (the job ran with a clock 3 hours ahead).
      const late = `api_access/year=2026/month=12/day=02/${'e'.repeat(32)}.ndjson`;
      await storage.put(
        late,
        Buffer.from('{"path":"/late","method":"GET","response_code":200,"time":"2026-12-02T10:00:00Z"}\n'),
      );
      const job = await runCli(
        env,
        'digest',
        '--private-key',
        signer.privateKey,
        '--now',
        later(3),
        '--lookback-days',
        lookback,
        '--event',
        'api_access',
      );
      assert.equal(job.status, 0, job.stderr);
      assert.match(job.stdout, /^backfill\t.*\t1 objects\t_digests\/api_access\//);
      for (const [key, text] of before)
        if (!key.endsWith('HEAD'))
          assert.equal(((await storage.get(key)) as Buffer).toString(), text, `${key} unchanged`);
      const result = await verify();
      assert.equal(result.status, 0, result.stdout);
    });
  });
}

describe('key rotation', () => {
  it('continues the chain across a new signing key; verify needs both public keys', async () => {
    const { storage, env } = await archives[0]!.make();
    await seedArchive(storage, 2);
    const rotated = keyPair('rotated');
    const first = await runCli(
      env,
      'digest',
      '--private-key',
      signer.privateKey,
      '--now',
      later(2),
      '--lookback-days',
      lookback,
    );
    assert.equal(first.status, 0, first.stderr);
    const second = await runCli(
      env,
      'digest',
      '--private-key',
      rotated.privateKey,
      '--now',
      later(5),
      '--lookback-days',
      lookback,
    );
    assert.equal(second.status, 0, second.stderr);
    assert.ok(second.stdout.trim().split('\n').length >= 2, 'hours after the rotation are digested with the new key');
    const verify = (...keys: string[]) =>
      runCli(
        env,
        'verify',
        '--from',
        '2026-11-30',
        '--to',
        '2026-12-02',
        '--lookback-days',
        lookback,
        ...keys.flatMap((k) => ['--public-key', k]),
      );
    const both = await verify(signer.publicKey, rotated.publicKey);
    assert.equal(both.status, 0, both.stdout);
    const oldOnly = await verify(signer.publicKey);
    assert.equal(oldOnly.status, 1);
    assert.match(oldOnly.stdout, /^BAD_SIGNATURE\tdigest\t.*\tsigned by an unknown key/m);
  });
});

describe('the function in digest mode (MODE=digest), as the cron-connector invokes it', () => {
  it('writes the digests on each invocation and refuses to start without its signing key', async () => {
    const { storage, env } = await archives[0]!.make();
    await seedArchive(storage, 2);
    const { readFileSync } = await import('node:fs');
    const secrets = secretsDir({ 'digest-signing-key': readFileSync(signer.privateKey, 'utf8') });
    const server = await startServer(receiverEnv({ ...env, MODE: 'digest', SECRETS_DIR: secrets }));
    try {
      const response = await post(server.url, { headers: {}, body: Buffer.alloc(0) });
      assert.equal(response.status, 200, response.text);
      assert.ok((response.json?.written as unknown[]).length >= 1);
      const again = await post(server.url, { headers: {}, body: Buffer.alloc(0) });
      assert.deepEqual(again.json?.written, [], 'nothing new to digest');
    } finally {
      await server.stop();
    }
    const refused = await startServerExpectingExit(
      receiverEnv({ ...env, MODE: 'digest', SECRETS_DIR: secretsDir({}) }),
    );
    assert.equal(refused.code, 1);
    assert.match(refused.output, /digest-signing-key: no secret file/);
  });
});

describe('verify offline', () => {
  it('verifies a copy synced with the AWS CLI, and finds tampering in it', async () => {
    const { env, verify } = await digestedArchive(archives[1] as Archive);
    assert.equal((await verify()).status, 0);
    const copy = mkdtempSync(join(tmpdir(), 'offline-'));
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(env.ARCHIVE_URL as string) ?? [];
    execFileSync(
      awsCli,
      ['s3', 'sync', `s3://${bucket}/${prefix}`, copy, '--endpoint-url', s3Test.endpoint, '--only-show-errors'],
      {
        env: awsCliEnv(copy),
      },
    );
    const offline = (...extra: string[]) =>
      runCli(
        {},
        'verify',
        '--offline',
        copy,
        '--from',
        '2026-11-30',
        '--to',
        '2026-12-02',
        '--public-key',
        signer.publicKey,
        '--lookback-days',
        lookback,
        ...extra,
      );
    const clean = await offline();
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    const copyStorage = new FileStorage(copy);
    let victim = '';
    for await (const o of copyStorage.list('api_access/')) victim ||= o.key;
    await copyStorage.put(victim, Buffer.from('{}\n'));
    const tampered = await offline();
    assert.equal(tampered.status, 1);
    assert.match(tampered.stdout, new RegExp(`^ALTERED\\tobject\\t${victim.replace(/[.]/g, '\\.')}\\t`, 'm'));
  });

  it('exits 2 for a missing or wrong-type public key', async () => {
    const rsa = join(keysDir, 'rsa.pub.pem');
    writeFileSync(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const noKey = await runCli({ ARCHIVE_URL: 'file:/tmp' }, 'verify', '--from', '2026-12-01', '--to', '2026-12-01');
    assert.equal(noKey.status, 2);
    const wrong = await runCli(
      { ARCHIVE_URL: 'file:/tmp' },
      'verify',
      '--from',
      '2026-12-01',
      '--to',
      '2026-12-01',
      '--public-key',
      rsa,
    );
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /is a rsa key; digests are signed with Ed25519/);
  });
});

async function deleteObject(storage: ArchiveStorage, key: string): Promise<void> {
  if (storage instanceof FileStorage) {
    const { rm } = await import('node:fs/promises');
    await rm(join((storage as unknown as { root: string }).root, key));
    return;
  }
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  const config = (storage as unknown as { config: { bucket: string; prefix: string } }).config;
  await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: config.prefix + key }));
}
