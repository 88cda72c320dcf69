import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { FileStorage } from '../audit-receiver/src/storage/file-storage.js';
import { S3Storage } from '../audit-receiver/src/storage/s3-storage.js';
import { createTestBucket, deleteTestBucket, s3ArchiveConfig, testS3Client } from './helpers/s3.js';
import { storageContract } from './storage-contract.js';

storageContract('file', async () => new FileStorage(mkdtempSync(join(tmpdir(), 'file-storage-'))));

const client = testS3Client();
let bucket = '';
before(async () => {
  bucket = await createTestBucket(client, 'storage');
});
after(async () => {
  await deleteTestBucket(client, bucket);
});
// Each test gets its own prefix in the bucket, so the driver's prefix handling is exercised too.
storageContract(
  's3 (Ceph RGW)',
  async () => new S3Storage(s3ArchiveConfig(bucket, `t-${randomBytes(4).toString('hex')}/`)),
);
