// A signed OpenFaaS-shaped batch travels template server → handler → archive, and is read back
// independently of the receiver: through the AWS SDK for S3 (real Ceph), from disk for the file archive.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixture, ndjsonLines, signedDelivery, withHeader } from '../audit-receiver/test/helpers/signed-delivery.js';
import { createTestBucket, deleteTestBucket, readS3Objects, s3Test, testS3Client } from './helpers/s3.js';
import {
  closedPort,
  post,
  receiverEnv,
  secretsDir,
  startServer,
  type RunningServer,
} from './helpers/receiver-process.js';

// Written as `openssl rand -base64 32 > file` writes it: with a trailing newline.
const SECRET = `${randomBytes(32).toString('base64')}\n`;
const fixtureEvents = JSON.parse(fixture('api_access-batch.json').toString('utf8')) as Record<string, unknown>[];

interface Archive {
  name: string;
  /** Settings for a receiver writing to a fresh, empty place in this archive. */
  setup(): Promise<Record<string, string>>;
  /** Everything in that place: key → text. */
  read(): Promise<Map<string, string>>;
  teardown(): Promise<void>;
}

function fileArchive(): Archive {
  let root = '';
  return {
    name: 'file archive',
    async setup() {
      root = mkdtempSync(join(tmpdir(), 'e2e-archive-'));
      return { ARCHIVE_URL: `file:${root}`, SECRETS_DIR: secretsDir({ 'webhook-secret': SECRET }) };
    },
    async read() {
      const out = new Map<string, string>();
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else out.set(relative(root, path), readFileSync(path, 'utf8'));
        }
      };
      walk(root);
      return out;
    },
    async teardown() {},
  };
}

function s3Archive(): Archive {
  const client = testS3Client();
  let bucket = '';
  let prefix = '';
  return {
    name: 's3 archive (Ceph RGW)',
    async setup() {
      bucket ||= await createTestBucket(client, 'e2e');
      prefix = `run-${randomBytes(4).toString('hex')}/audit/`;
      return {
        ARCHIVE_URL: `s3://${bucket}/${prefix}`,
        S3_ENDPOINT: s3Test.endpoint,
        S3_REGION: s3Test.region,
        SECRETS_DIR: secretsDir({
          'webhook-secret': SECRET,
          's3-access-key-id': `${s3Test.accessKeyId}\n`,
          's3-secret-access-key': `${s3Test.secretAccessKey}\n`,
        }),
      };
    },
    read: () => readS3Objects(client, bucket, prefix),
    async teardown() {
      if (bucket) await deleteTestBucket(client, bucket);
    },
  };
}

for (const archive of [fileArchive(), s3Archive()]) {
  describe(`receiver end to end, ${archive.name}`, () => {
    let server: RunningServer;
    before(async () => {
      server = await startServer(receiverEnv(await archive.setup()));
    });
    after(async () => {
      await server.stop();
      await archive.teardown();
    });

    it('archives every event of a signed batch, with all its original fields and values, in its UTC day partition', async () => {
      const delivery = signedDelivery({ secret: SECRET, deliveryId: 'e2e-fixture-1' });
      const response = await post(server.url, delivery);
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json?.events, 3);

      const objects = await archive.read();
      // The batch spans midnight: two objects, one per day, both named after the delivery.
      assert.deepEqual([...objects.keys()].map((k) => k.replace(/[^/]+$/, '')).sort(), [
        'api_access/year=2026/month=11/day=30/',
        'api_access/year=2026/month=12/day=01/',
      ]);
      const name = `${createHash('sha256').update(delivery.body).digest('hex').slice(0, 32)}.ndjson`;
      for (const key of objects.keys()) assert.ok(key.endsWith(`/${name}`), key);

      const archived = [...objects].flatMap(([key, text]) => ndjsonLines(text).map((line) => ({ key, line })));
      assert.equal(archived.length, fixtureEvents.length);
      for (const sent of fixtureEvents) {
        const found = archived.filter(({ line }) => {
          const { _receipt, ...event } = line;
          return JSON.stringify(event) === JSON.stringify(sent);
        });
        assert.equal(found.length, 1, `event at ${String(sent.time)} archived exactly once`);
        const { key, line } = found[0] as { key: string; line: Record<string, unknown> };
        const [, y, m, d] = /^(\d{4})-(\d{2})-(\d{2})T/.exec(String(sent.time)) ?? [];
        assert.ok(
          key.startsWith(`api_access/year=${y}/month=${m}/day=${d}/`),
          `${key} is the partition of ${String(sent.time)}`,
        );
        const receipt = line._receipt as { delivery_id: string; received_at: string };
        assert.equal(receipt.delivery_id, 'e2e-fixture-1');
        assert.ok(Math.abs(Date.parse(receipt.received_at) - Date.now()) < 60_000);
      }
      // Each line is the event's own text as sent, plus the receipt: nanosecond times kept to the digit.
      assert.ok([...objects.values()].join('').includes('"time":"2026-11-30T23:59:59.999999999Z"'));
    });

    it('rewrites the same objects when a delivery is retried, never duplicating lines', async () => {
      const delivery = signedDelivery({
        secret: SECRET,
        deliveryId: 'e2e-retry-1',
        body: [{ ...fixtureEvents[2], path: '/retry' }],
      });
      const before = await archive.read();
      for (let attempt = 0; attempt < 3; attempt++) assert.equal((await post(server.url, delivery)).status, 200);
      const added = [...(await archive.read())].filter(([key]) => !before.has(key));
      assert.equal(added.length, 1);
      assert.equal(ndjsonLines(added[0]?.[1] ?? '').length, 1);
    });

    it('verifies a sender that trims the secret file newline as well as one that keeps it', async () => {
      const kept = signedDelivery({ secret: SECRET, body: [{ ...fixtureEvents[2], path: '/kept' }] });
      const trimmed = signedDelivery({ secret: SECRET.trim(), body: [{ ...fixtureEvents[2], path: '/trimmed' }] });
      assert.equal((await post(server.url, kept)).status, 200);
      assert.equal((await post(server.url, trimmed)).status, 200);
    });

    it('answers 401 to a forged or altered delivery and stores nothing from it', async () => {
      const before = await archive.read();
      const forged = signedDelivery({ secret: 'not-the-secret', body: [{ ...fixtureEvents[2], path: '/forged' }] });
      const genuine = signedDelivery({ secret: SECRET, body: [{ ...fixtureEvents[2], path: '/genuine' }] });
      const altered = { ...genuine, body: Buffer.from(genuine.body.toString().replace('/genuine', '/altered')) };
      const unsigned = withHeader(genuine, 'x-openfaas-signature-256', undefined);
      for (const delivery of [forged, altered, unsigned]) {
        const response = await post(server.url, delivery);
        assert.equal(response.status, 401);
        assert.equal(response.json?.error, 'bad_signature');
      }
      assert.deepEqual([...(await archive.read()).keys()], [...before.keys()]);
    });

    it('quarantines the invalid events of an authentic batch, archives the rest, and says how many of each', async () => {
      const before = await archive.read();
      const delivery = signedDelivery({
        secret: SECRET,
        deliveryId: 'e2e-mixed-1',
        body: [fixtureEvents[0], { ...fixtureEvents[1], time: 'yesterday' }],
      });
      const response = await post(server.url, delivery);
      assert.equal(response.status, 200);
      assert.deepEqual([response.json?.archived, response.json?.quarantined], [1, 1]);
      assert.match(JSON.stringify(response.json?.problems), /"pointer":"\/time"/);
      const added = [...(await archive.read())].filter(([key]) => !before.has(key));
      const quarantined = added.filter(([key]) => key.startsWith('_quarantine/api_access/'));
      const archived = added.filter(([key]) => key.startsWith('api_access/'));
      assert.equal(quarantined.length, 1);
      assert.equal(archived.length, 1);
      const [line] = ndjsonLines(quarantined[0]?.[1] ?? '');
      assert.deepEqual(line?.event, { ...fixtureEvents[1], time: 'yesterday' });
      assert.equal(line?.reason, 'must match format "date-time"');
    });

    it('answers 400 to an authentic body that is not JSON, keeping its bytes in quarantine', async () => {
      const before = await archive.read();
      const delivery = signedDelivery({ secret: SECRET, body: '[{"path": "/x",', deliveryId: 'e2e-broken-1' });
      const response = await post(server.url, delivery);
      assert.equal(response.status, 400);
      const added = [...(await archive.read())].filter(([key]) => !before.has(key));
      assert.equal(added.length, 1);
      assert.match(
        added[0]?.[0] ?? '',
        /^_quarantine\/api_access\/year=\d{4}\/month=\d\d\/day=\d\d\/[0-9a-f]{32}\.raw$/,
      );
      assert.equal(added[0]?.[1], '[{"path": "/x",');
    });

    it('accepts a 150 KB batch and archives all of its events', async () => {
      const events = Array.from({ length: 600 }, (_, i) => ({
        ...fixtureEvents[1],
        path: `/system/function/f-${i}-${'x'.repeat(150)}`,
      }));
      const delivery = signedDelivery({ secret: SECRET, body: events });
      assert.ok(delivery.body.length >= 150 * 1024, `${delivery.body.length} bytes`);
      const response = await post(server.url, delivery);
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json?.archived, 600);
      const name = createHash('sha256').update(delivery.body).digest('hex').slice(0, 32);
      const [, text] = [...(await archive.read())].find(([key]) => key.includes(name)) ?? [];
      assert.equal(ndjsonLines(text ?? '').length, 600);
    });

    it('never lets a hostile delivery id into a key, and keeps it in the receipt', async () => {
      for (const id of ['../../escape', 'a/b', '.hidden', 'x'.repeat(500), '%2e%2e%2f', 'é/../..']) {
        const delivery = signedDelivery({
          secret: SECRET,
          deliveryId: id,
          body: [{ ...fixtureEvents[2], path: `/id-${id.length}` }],
        });
        const response = await post(server.url, delivery);
        assert.equal(response.status, 200);
        const [key] = response.json?.objects as string[];
        assert.match(key ?? '', /^api_access\/year=2026\/month=12\/day=01\/[0-9a-f]{32}\.ndjson$/);
        const text = (await archive.read()).get(key ?? '') ?? '';
        assert.equal((ndjsonLines(text)[0]?._receipt as { delivery_id: string }).delivery_id, id);
      }
    });

    it('keeps the body of an unknown event type as sent, outside the event partitions', async () => {
      const delivery = signedDelivery({ secret: SECRET, event: 'function_deploy', body: '{"future":"format"}' });
      const response = await post(server.url, delivery);
      assert.equal(response.status, 200);
      assert.equal(response.json?.status, 'kept');
      const [key] = response.json?.objects as string[];
      assert.match(key ?? '', /^_unknown\/function_deploy\/year=\d{4}\/month=\d\d\/day=\d\d\/[0-9a-f]{32}\.raw$/);
      assert.equal((await archive.read()).get(key ?? ''), '{"future":"format"}');
    });

    it('answers 405 to a GET', async () => {
      const response = await post(server.url, { method: 'GET', headers: {} });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('allow'), 'POST');
    });

    it('logs one JSON line per delivery, with neither the secret nor the body', async () => {
      const delivery = signedDelivery({
        secret: SECRET,
        deliveryId: 'log-check-1',
        body: [{ ...fixtureEvents[2], path: '/very-private-path' }],
      });
      await post(server.url, delivery);
      await server.waitForOutput(/"log-check-1"/);
      const line = server
        .output()
        .split('\n')
        .find((l) => l.includes('"log-check-1"'));
      assert.ok(line, 'a log line for the delivery');
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.equal(entry.outcome, 'archived');
      assert.equal(entry.event_type, 'api_access');
      assert.equal(entry.events, 1);
      assert.equal(typeof entry.ms, 'number');
      assert.ok(!server.output().includes(SECRET.trim()));
      assert.ok(!server.output().includes('very-private-path'));
    });
  });
}

describe('receiver end to end, S3 unreachable', () => {
  it('answers 503 with Retry-After when the archive cannot be written, and logs why', async () => {
    const server = await startServer(
      receiverEnv({
        ARCHIVE_URL: 's3://audit-down/x',
        // A loopback port with nothing listening: connection refused, at once.
        S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
        S3_MAX_ATTEMPTS: '1',
        SECRETS_DIR: secretsDir({ 'webhook-secret': SECRET, 's3-access-key-id': 'a', 's3-secret-access-key': 'b' }),
      }),
    );
    try {
      const response = await post(server.url, signedDelivery({ secret: SECRET }));
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      assert.equal(response.json?.error, 'storage_unavailable');
      await server.waitForOutput(/"outcome":"refused".*"reason":"storage_unavailable".*ECONNREFUSED/);
    } finally {
      await server.stop();
    }
  });
});

describe('receiver end to end, S3 credentials', () => {
  const client = testS3Client();
  let bucket = '';
  before(async () => {
    bucket = await createTestBucket(client, 'creds');
  });
  after(async () => {
    await deleteTestBucket(client, bucket);
  });

  it("uses the AWS SDK's default chain (here AWS_ACCESS_KEY_ID) when no credential secrets are mounted", async () => {
    const server = await startServer(
      receiverEnv({
        ARCHIVE_URL: `s3://${bucket}/chain/`,
        S3_ENDPOINT: s3Test.endpoint,
        S3_REGION: s3Test.region,
        SECRETS_DIR: secretsDir({ 'webhook-secret': SECRET }),
        AWS_ACCESS_KEY_ID: s3Test.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3Test.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      }),
    );
    try {
      const response = await post(server.url, signedDelivery({ secret: SECRET }));
      assert.equal(response.status, 200, response.text);
      const stored = await readS3Objects(client, bucket, 'chain/');
      assert.equal([...stored.values()].flatMap((text) => ndjsonLines(text)).length, fixtureEvents.length);
    } finally {
      await server.stop();
    }
  });

  it('answers 503 and logs the S3 refusal when the S3 secret key is wrong, storing nothing', async () => {
    const server = await startServer(
      receiverEnv({
        ARCHIVE_URL: `s3://${bucket}/wrong-key/`,
        S3_ENDPOINT: s3Test.endpoint,
        S3_REGION: s3Test.region,
        SECRETS_DIR: secretsDir({
          'webhook-secret': SECRET,
          's3-access-key-id': s3Test.accessKeyId,
          's3-secret-access-key': 'not-the-secret',
        }),
      }),
    );
    try {
      const response = await post(server.url, signedDelivery({ secret: SECRET }));
      assert.equal(response.status, 503, response.text);
      await server.waitForOutput(/"reason":"storage_unavailable".*SignatureDoesNotMatch.*HTTP 403/);
      assert.equal((await readS3Objects(client, bucket, 'wrong-key/')).size, 0);
    } finally {
      await server.stop();
    }
  });
});
