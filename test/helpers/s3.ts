import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3ArchiveConfig } from '../../audit-receiver/src/config.js';
import { secretsDir } from './receiver-process.js';

/**
 * The S3 server the tests use: the local Ceph gateway `npm test` starts, or the one S3_TEST_ENDPOINT names.
 * Never skipped: if it is not there, the S3 tests fail.
 */
export const s3Test = {
  endpoint: process.env.S3_TEST_ENDPOINT ?? 'http://127.0.0.1:7480',
  region: process.env.S3_TEST_REGION ?? 'us-east-1',
  accessKeyId: process.env.S3_TEST_ACCESS_KEY_ID ?? 'audit-test-access',
  secretAccessKey: process.env.S3_TEST_SECRET_ACCESS_KEY ?? 'audit-test-secret',
};

/** A client of the tests' own, independent of the receiver's driver, to read back what it wrote. */
export function testS3Client(): S3Client {
  return new S3Client({
    endpoint: s3Test.endpoint,
    region: s3Test.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3Test.accessKeyId, secretAccessKey: s3Test.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createTestBucket(client: S3Client, label: string): Promise<string> {
  const bucket = `audit-${label}-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

export async function deleteTestBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

export function s3ArchiveConfig(bucket: string, prefix: string): S3ArchiveConfig {
  return {
    kind: 's3',
    bucket,
    prefix,
    endpoint: s3Test.endpoint,
    region: s3Test.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3Test.accessKeyId, secretAccessKey: s3Test.secretAccessKey },
    requestTimeoutMs: 5000,
    maxAttempts: 3,
    objectLock: undefined,
    sse: undefined,
  };
}

/** Every object under a prefix, read through the SDK: key (without the prefix) → text. */
export async function readS3Objects(client: S3Client, bucket: string, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const item of page.Contents ?? []) {
      if (!item.Key) continue;
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key }));
      out.set(item.Key.slice(prefix.length), (await object.Body?.transformToString('utf8')) ?? '');
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * Settings for the receiver or the CLI to use an archive on the test S3 server: ARCHIVE_URL, the endpoint,
 * and a SECRETS_DIR holding the S3 credentials plus any other `secrets` (e.g. the webhook secret).
 */
export function s3Settings(archiveUrl: string, secrets: Record<string, string> = {}): Record<string, string> {
  return {
    ARCHIVE_URL: archiveUrl,
    S3_ENDPOINT: s3Test.endpoint,
    S3_REGION: s3Test.region,
    SECRETS_DIR: secretsDir({
      's3-access-key-id': s3Test.accessKeyId,
      's3-secret-access-key': s3Test.secretAccessKey,
      ...secrets,
    }),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Debian's awscli (apt-get install awscli); AWS_CLI names another. */
export const awsCli = process.env.AWS_CLI ?? '/usr/bin/aws';

/** The environment for the AWS CLI to reach the test S3 server. */
export function awsCliEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_ACCESS_KEY_ID: s3Test.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3Test.secretAccessKey,
    AWS_DEFAULT_REGION: s3Test.region,
  };
}
