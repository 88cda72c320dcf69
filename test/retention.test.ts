// Retention and encryption settings against Ceph RGW: Object Lock on every write, SSE-KMS (RGW's test
// KMS, key testkey-1), and clear start-up errors where the bucket or server does not support a setting.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import { signedDelivery } from '../audit-receiver/test/helpers/signed-delivery.js';
import { post, receiverEnv, startServer, startServerExpectingExit } from './helpers/receiver-process.js';
import { createTestBucket, deleteTestBucket, s3Settings, testS3Client } from './helpers/s3.js';

const SECRET = 'retention-secret';
const client = testS3Client();
const env = (bucket: string, extra: Record<string, string>) =>
  receiverEnv({ ...s3Settings(`s3://${bucket}/audit`, { 'webhook-secret': SECRET }), ...extra });

describe('Object Lock and server-side encryption', () => {
  let locked = '';
  let plain = '';
  before(async () => {
    locked = `audit-locked-${randomBytes(4).toString('hex')}`;
    await client.send(new CreateBucketCommand({ Bucket: locked, ObjectLockEnabledForBucket: true }));
    plain = await createTestBucket(client, 'plain');
  });
  after(async () => {
    await deleteTestBucket(client, plain);
    // The locked bucket's objects are under GOVERNANCE retention for a day; it is left to the throwaway cluster.
  });

  it('writes every object under the configured Object Lock retention, so it cannot be deleted early', async () => {
    const server = await startServer(
      env(locked, { S3_OBJECT_LOCK_MODE: 'GOVERNANCE', S3_OBJECT_LOCK_RETAIN_DAYS: '1' }),
    );
    try {
      const response = await post(server.url, signedDelivery({ secret: SECRET }));
      assert.equal(response.status, 200, response.text);
      for (const key of response.json?.objects as string[]) {
        const retention = await client.send(new GetObjectRetentionCommand({ Bucket: locked, Key: `audit/${key}` }));
        assert.equal(retention.Retention?.Mode, 'GOVERNANCE');
        const until = retention.Retention?.RetainUntilDate?.getTime() ?? 0;
        assert.ok(Math.abs(until - (Date.now() + 86_400_000)) < 120_000, String(retention.Retention?.RetainUntilDate));
        const versions = await client.send(new ListObjectVersionsCommand({ Bucket: locked, Prefix: `audit/${key}` }));
        const versionId = versions.Versions?.[0]?.VersionId;
        await assert.rejects(
          client.send(new DeleteObjectCommand({ Bucket: locked, Key: `audit/${key}`, VersionId: versionId })),
          /AccessDenied|locked|retention/i,
        );
      }
    } finally {
      await server.stop();
    }
  });

  it('refuses to start, naming S3_OBJECT_LOCK_MODE, when the bucket has no Object Lock', async () => {
    const { code, output } = await startServerExpectingExit(
      env(plain, { S3_OBJECT_LOCK_MODE: 'COMPLIANCE', S3_OBJECT_LOCK_RETAIN_DAYS: '2555' }),
    );
    assert.equal(code, 1);
    assert.match(output, new RegExp(`S3_OBJECT_LOCK_MODE: bucket ${plain} does not have Object Lock enabled`));
  });

  it('encrypts every object with SSE-KMS and the configured key, and reads back the same bytes', async () => {
    const server = await startServer(env(plain, { S3_SSE: 'aws:kms', S3_SSE_KMS_KEY_ID: 'testkey-1' }));
    try {
      const delivery = signedDelivery({
        secret: SECRET,
        body: [{ path: '/sse', method: 'PUT', response_code: 200, time: '2026-12-01T10:00:00Z' }],
      });
      const response = await post(server.url, delivery);
      assert.equal(response.status, 200, response.text);
      const [key] = response.json?.objects as string[];
      const head = await client.send(new HeadObjectCommand({ Bucket: plain, Key: `audit/${key}` }));
      assert.equal(head.ServerSideEncryption, 'aws:kms');
      assert.equal(head.SSEKMSKeyId, 'testkey-1');
      const text = await (
        await client.send(new GetObjectCommand({ Bucket: plain, Key: `audit/${key}` }))
      ).Body?.transformToString();
      assert.match(
        text ?? '',
        /^\{"path":"\/sse","method":"PUT","response_code":200,"time":"2026-12-01T10:00:00Z","_receipt":/,
      );
    } finally {
      await server.stop();
    }
  });

  it('with S3_SSE=AES256, encrypts where the server applies it and refuses to start where it does not (Ceph 16)', async () => {
    // Ask the server directly whether it applies AES256, then hold the receiver to the matching outcome.
    const probe = await client.send(
      new PutObjectCommand({
        Bucket: plain,
        Key: 'probe.txt',
        Body: Buffer.from('p'),
        ContentLength: 1,
        ServerSideEncryption: 'AES256',
      }),
    );
    if (probe.ServerSideEncryption === 'AES256') {
      const server = await startServer(env(plain, { S3_SSE: 'AES256' }));
      try {
        const response = await post(server.url, signedDelivery({ secret: SECRET }));
        assert.equal(response.status, 200, response.text);
      } finally {
        await server.stop();
      }
      return;
    }
    const { code, output } = await startServerExpectingExit(env(plain, { S3_SSE: 'AES256' }));
    assert.equal(code, 1);
    assert.match(output, /S3_SSE: the S3 server stored the object but did not apply AES256 encryption/);
  });
});
