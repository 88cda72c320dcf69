// The receiver against a misbehaving S3 server: a fault-injecting proxy sits between it and the Ceph
// gateway. While the archive cannot take a write the receiver answers 503 (never 2xx), and once it can,
// the retried delivery is archived exactly once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signedDelivery } from '../audit-receiver/test/helpers/signed-delivery.js';
import { FaultProxy, type FaultMode } from './helpers/fault-proxy.js';
import { markedBatch, markersIn, repeated } from './helpers/marked-events.js';
import { post, receiverEnv, startServer, type RunningServer } from './helpers/receiver-process.js';
import { createTestBucket, deleteTestBucket, readS3Objects, s3Settings, s3Test, testS3Client } from './helpers/s3.js';

const SECRET = 'faults-secret\n';

describe('receiver with a failing S3 server', () => {
  const client = testS3Client();
  let bucket = '';
  let proxy: FaultProxy;
  let server: RunningServer;
  const prefix = `faults-${randomBytes(4).toString('hex')}/`;

  before(async () => {
    bucket = await createTestBucket(client, 'faults');
    proxy = await FaultProxy.start(s3Test.endpoint);
    server = await startServer(
      receiverEnv({
        ...s3Settings(`s3://${bucket}/${prefix}`, { 'webhook-secret': SECRET }),
        S3_ENDPOINT: proxy.url,
        S3_REQUEST_TIMEOUT_MS: '700',
        S3_MAX_ATTEMPTS: '2',
      }),
    );
  });
  after(async () => {
    await server.stop();
    await proxy.close();
    await deleteTestBucket(client, bucket);
  });

  const faults: [FaultMode, string][] = [
    ['stall', 'hangs (the request times out)'],
    ['http503', 'answers 503 ServiceUnavailable'],
    ['reset', 'resets every connection'],
  ];
  for (const [mode, what] of faults) {
    it(`answers 503 with Retry-After while the gateway ${what}, then archives the retry exactly once`, async () => {
      const run = `${mode}-${randomBytes(3).toString('hex')}`;
      const delivery = signedDelivery({ secret: SECRET, body: markedBatch(run, 1, 4) });
      proxy.setMode(mode);
      const faulted = proxy.connections.faulted;
      const refused = await post(server.url, delivery);
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.ok(proxy.connections.faulted > faulted, 'the fault was really hit');
      await server.waitForOutput(/"reason":"storage_unavailable"/);

      proxy.setMode('pass');
      const retried = await post(server.url, delivery);
      assert.equal(retried.status, 200, retried.text);
      const markers = markersIn(await readS3Objects(client, bucket, prefix), run);
      assert.equal(markers.length, 4);
      assert.deepEqual(repeated(markers), []);
    });
  }
});
