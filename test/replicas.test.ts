// Two receiver processes (two replicas of the function) writing to one archive, each taking every
// delivery at the same moment, as retries or a load balancer can cause: exactly one copy of each event.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signedDelivery } from '../audit-receiver/test/helpers/signed-delivery.js';
import { markedBatch, markersIn, repeated } from './helpers/marked-events.js';
import { post, receiverEnv, startServer, type RunningServer } from './helpers/receiver-process.js';
import { eachLimited } from './helpers/retrying-sender.js';
import { createTestBucket, deleteTestBucket, readS3Objects, s3Settings, testS3Client } from './helpers/s3.js';

const SECRET = 'replicas-secret\n';

describe('two replicas taking the same deliveries', () => {
  const client = testS3Client();
  let bucket = '';
  const replicas: RunningServer[] = [];
  const prefix = `replicas-${randomBytes(4).toString('hex')}/`;

  before(async () => {
    bucket = await createTestBucket(client, 'replicas');
    const env = receiverEnv(s3Settings(`s3://${bucket}/${prefix}`, { 'webhook-secret': SECRET }));
    replicas.push(await startServer(env), await startServer(env));
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await deleteTestBucket(client, bucket);
  });

  it('leaves exactly one copy of each event, in one object per delivery and day', async () => {
    const run = randomBytes(3).toString('hex');
    const deliveries = Array.from({ length: 60 }, (_, i) =>
      signedDelivery({ secret: SECRET, body: markedBatch(run, i, 3) }),
    );
    await eachLimited(deliveries, 4, async (delivery) => {
      // Both replicas get the same delivery concurrently; a third copy arrives as a late retry.
      const answers = await Promise.all(replicas.map((r) => post(r.url, delivery)));
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200],
      );
      assert.equal((await post(replicas[1]?.url ?? '', delivery)).status, 200);
    });
    const objects = await readS3Objects(client, bucket, prefix);
    const markers = markersIn(objects, run);
    assert.equal(new Set(markers).size, 180);
    assert.deepEqual(repeated(markers), []);
    // Each batch spans two days: two objects per delivery, no more.
    assert.equal([...objects.keys()].filter((k) => k.startsWith('api_access/')).length, 120);
  });
});
