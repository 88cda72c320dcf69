// Storage outage drill: a sender that retries like OpenFaaS's queue-worker (on 5xx and no answer,
// honouring Retry-After) sends a run of deliveries; part way through, the Ceph gateway is stopped, and a
// few seconds later started again. Afterwards the events in the archive must equal the events sent:
// none missing, none twice.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signedDelivery } from '../audit-receiver/test/helpers/signed-delivery.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { markedBatch, markersIn, repeated } from './helpers/marked-events.js';
import { receiverEnv, repoRoot, startServer, type RunningServer } from './helpers/receiver-process.js';
import { eachLimited, sendWithRetries, type SendOutcome } from './helpers/retrying-sender.js';
import { createTestBucket, deleteTestBucket, readS3Objects, s3Settings, s3Test, testS3Client } from './helpers/s3.js';

const SECRET = 'drill-secret\n';
const DELIVERIES = 150;
const EVENTS_EACH = 2;
const OUTAGE_AFTER = 40; // deliveries answered before the gateway goes down
const OUTAGE_MS = 4000;

// The gateway `npm test` started (scripts/ceph.sh) is stopped for real; an S3 server named by
// S3_TEST_ENDPOINT that this run does not manage is cut off by the fault proxy instead.
const cephConf = join(process.env.CEPH_DIR ?? '/tmp/audit-receiver-ceph', 'ceph.conf');
const managedGateway = existsSync(cephConf) && new URL(s3Test.endpoint).port === (process.env.CEPH_RGW_PORT ?? '7480');
const ceph = (command: string) => execFileSync('bash', [join(repoRoot, 'scripts/ceph.sh'), command], { stdio: 'pipe' });

describe('storage outage drill', () => {
  const client = testS3Client();
  let bucket = '';
  let proxy: FaultProxy | undefined;
  let server: RunningServer;
  const prefix = `drill-${randomBytes(4).toString('hex')}/`;

  before(async () => {
    bucket = await createTestBucket(client, 'drill');
    if (!managedGateway) proxy = await FaultProxy.start(s3Test.endpoint);
    server = await startServer(
      receiverEnv({
        ...s3Settings(`s3://${bucket}/${prefix}`, { 'webhook-secret': SECRET }),
        S3_ENDPOINT: proxy?.url ?? s3Test.endpoint,
        S3_REQUEST_TIMEOUT_MS: '2000',
        S3_MAX_ATTEMPTS: '1',
      }),
    );
  });
  after(async () => {
    await server.stop();
    if (
      managedGateway &&
      !execFileSync('bash', ['-c', `bash ${join(repoRoot, 'scripts/ceph.sh')} status && echo up || true`])
        .toString()
        .includes('up')
    ) {
      ceph('rgw-start');
    }
    await proxy?.close();
    await deleteTestBucket(client, bucket);
  });

  it('archives every event sent exactly once across a gateway stop and restart', { timeout: 240_000 }, async (t) => {
    const run = randomBytes(3).toString('hex');
    const deliveries = Array.from({ length: DELIVERIES }, (_, i) =>
      signedDelivery({ secret: SECRET, body: markedBatch(run, i, EVENTS_EACH) }),
    );
    const outcomes: SendOutcome[] = [];
    let answered = 0;
    let outage: Promise<void> | undefined;
    const started = Date.now();
    await eachLimited(deliveries, 6, async (delivery) => {
      const outcome = await sendWithRetries(server.url, delivery);
      outcomes.push(outcome);
      answered++;
      if (answered === OUTAGE_AFTER) {
        outage = (async () => {
          if (managedGateway) ceph('rgw-stop');
          else proxy?.setMode('reset');
          await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
          if (managedGateway) ceph('rgw-start');
          else proxy?.setMode('pass');
        })();
      }
    });
    await outage;

    assert.deepEqual(
      outcomes.filter((o) => o.status !== 200),
      [],
      'every delivery was finally answered 200',
    );
    const retried = outcomes.filter((o) => o.retried.length > 0);
    assert.ok(retried.length > 0, 'the outage was hit: some deliveries needed retries');
    assert.ok(
      retried.every((o) => o.retried.every((status) => status === 503)),
      'the receiver answered 503 (never 2xx, never a dropped connection) while the gateway was down',
    );

    const markers = markersIn(await readS3Objects(client, bucket, prefix), run);
    const sent = DELIVERIES * EVENTS_EACH;
    assert.equal(new Set(markers).size, sent, 'none missing');
    assert.deepEqual(repeated(markers), [], 'none twice');
    t.diagnostic(
      `outage drill (${managedGateway ? 'radosgw stopped and restarted' : 'proxy reset'}): ${DELIVERIES} deliveries, ` +
        `${sent} events sent, ${markers.length} archived, ${repeated(markers).length} duplicates, ` +
        `${retried.length} deliveries retried, ${outcomes.reduce((n, o) => n + o.retried.length, 0)} 503 answers, ` +
        `${Date.now() - started} ms`,
    );
  });
});
