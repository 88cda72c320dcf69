import { createHash, randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
  type PutObjectCommandOutput,
} from '@aws-sdk/client-s3';
import type { S3ArchiveConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { ArchiveStorage, StoredObject } from './storage.js';

/**
 * The archive in an S3-compatible bucket (AWS S3, Ceph RGW, MinIO, R2). Keys given to put/get/list are
 * relative to the configured prefix.
 */
export class S3Storage implements ArchiveStorage {
  readonly description: string;
  private readonly client: S3Client;

  constructor(private readonly config: S3ArchiveConfig) {
    this.description = `s3://${config.bucket}/${config.prefix}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle,
      ...(config.credentials ? { credentials: config.credentials } : {}),
      maxAttempts: config.maxAttempts,
      // The SDK's default since 2025 streams uploads with a trailing CRC checksum (aws-chunked), which
      // Ceph 16 and other compatibles reject or store with the chunk framing. Checksums only where an
      // operation requires one; put() sends Content-MD5 itself, which every S3 implementation checks.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // requestTimeout bounds each attempt; without throwOnRequestTimeout this SDK only logs a warning and
      // keeps waiting on a hung gateway (found by the stalled-gateway test).
      requestHandler: {
        requestTimeout: config.requestTimeoutMs,
        connectionTimeout: config.requestTimeoutMs,
        throwOnRequestTimeout: true,
      },
    });
  }

  async put(key: string, body: Buffer): Promise<void> {
    const out = await this.putObject(key, body, 'application/x-ndjson', true);
    this.checkEncrypted(out.ServerSideEncryption);
  }

  /** One PutObject: a Buffer with a known length and its Content-MD5, with the encryption (and lock) settings. */
  private putObject(key: string, body: Buffer, contentType: string, lock: boolean): Promise<PutObjectCommandOutput> {
    return this.client.send(
      new PutObjectCommand({
        Bucket: this.config.bucket,
        Key: this.config.prefix + key,
        // A plain PUT with Content-Length and no chunked encoding, which every S3 implementation takes.
        Body: body,
        ContentLength: body.length,
        ContentMD5: createHash('md5').update(body).digest('base64'),
        ContentType: contentType,
        ...(lock && this.config.objectLock
          ? {
              ObjectLockMode: this.config.objectLock.mode,
              ObjectLockRetainUntilDate: new Date(Date.now() + this.config.objectLock.retainDays * 86_400_000),
            }
          : {}),
        ...this.encryptionParams(),
      }),
    );
  }

  /** Some S3 servers accept an encryption header and store the object in the clear: never accept that. */
  private checkEncrypted(applied: string | undefined): void {
    if (this.config.sse && applied !== this.config.sse.algorithm) {
      throw new ConfigError(
        'S3_SSE',
        `the S3 server stored the object but did not apply ${this.config.sse.algorithm} encryption (it answered ${applied ?? 'no x-amz-server-side-encryption'})`,
      );
    }
  }

  /**
   * With Object Lock configured, checks once at start-up that the bucket has it enabled, so a
   * misconfigured archive fails to start with a clear message instead of failing every write.
   * A definite "no" is a ConfigError; a failure to ask (network) is left to the writes.
   */
  async checkSettings(): Promise<void> {
    await this.checkObjectLock();
    await this.checkEncryption();
  }

  private async checkObjectLock(): Promise<void> {
    if (!this.config.objectLock) return;
    try {
      const out = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.config.bucket }));
      if (out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled') return;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === undefined || status >= 500) return;
    }
    throw new ConfigError(
      'S3_OBJECT_LOCK_MODE',
      `bucket ${this.config.bucket} does not have Object Lock enabled; it can only be turned on when the bucket is created (or unset S3_OBJECT_LOCK_MODE)`,
    );
  }

  /**
   * With encryption configured, writes one small probe object under `_settings-check/` and checks the
   * server applied the encryption (Ceph 16, for one, accepts AES256 and ignores it), then deletes it.
   */
  private async checkEncryption(): Promise<void> {
    if (!this.config.sse) return;
    const key = `_settings-check/${randomUUID()}.txt`;
    const body = Buffer.from('audit-receiver start-up check of S3_SSE\n');
    let applied: string | undefined;
    try {
      // No Object Lock on the probe, so it can be deleted again.
      applied = (await this.putObject(key, body, 'text/plain', false)).ServerSideEncryption;
    } catch {
      return; // cannot ask now (network, permissions): every write checks again
    }
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.config.prefix + key }))
      .catch(() => undefined);
    this.checkEncrypted(applied);
  }

  private encryptionParams() {
    const sse = this.config.sse;
    if (sse?.algorithm === 'AES256') return { ServerSideEncryption: 'AES256' as const };
    if (sse?.algorithm === 'aws:kms')
      return { ServerSideEncryption: 'aws:kms' as const, ...(sse.kmsKeyId ? { SSEKMSKeyId: sse.kmsKeyId } : {}) };
    return {};
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.config.prefix + key }),
      );
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix: this.config.prefix + prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield {
          key: item.Key.slice(this.config.prefix.length),
          size: item.Size ?? 0,
          lastModified: item.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
