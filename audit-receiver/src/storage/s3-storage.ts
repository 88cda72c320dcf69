import { createHash, randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ArchiveConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { S3RequestError, S3Requests } from './s3-requests.js';
import type { AwsCredentials } from './sigv4.js';
import type { ArchiveStorage, StoredObject } from './storage.js';

type Sdk = typeof import('@aws-sdk/client-s3');

/**
 * The archive in an S3-compatible bucket (AWS S3, Ceph RGW, MinIO, R2). Keys given to put/get/list are
 * relative to the configured prefix.
 *
 * Writes, which every delivery makes, are plain signed PUTs (s3-requests.ts): a Buffer with its length
 * and Content-MD5, no chunked encoding, which every S3 implementation takes. Reads and listings, which
 * only the CLI and the digest job make, use the AWS SDK, imported on the first read: loading the SDK
 * took most of the receiver's cold start. Without credential secrets, the SDK's default chain (env,
 * profile, IAM role, IRSA) supplies the keys for both.
 */
export class S3Storage implements ArchiveStorage {
  readonly description: string;
  private readonly requests: S3Requests;
  private sdk: Promise<{ sdk: Sdk; client: S3Client }> | undefined;

  constructor(private readonly config: S3ArchiveConfig) {
    this.description = `s3://${config.bucket}/${config.prefix}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
    const fixed = config.credentials;
    this.requests = new S3Requests(
      config,
      fixed
        ? async () => fixed
        : async (): Promise<AwsCredentials> => (await this.reader()).client.config.credentials(),
    );
  }

  /** The AWS SDK client for reads, created on first use with the same settings as the writes. */
  private reader(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.sdk ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: this.config.region,
        ...(this.config.endpoint ? { endpoint: this.config.endpoint } : {}),
        forcePathStyle: this.config.forcePathStyle,
        ...(this.config.credentials ? { credentials: this.config.credentials } : {}),
        maxAttempts: this.config.maxAttempts,
        // The SDK's default since 2025 validates response checksums some S3 compatibles do not send
        // correctly; checksums only where an operation requires one.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        // requestTimeout bounds each attempt; without throwOnRequestTimeout this SDK only logs a warning
        // and keeps waiting on a hung gateway (found by the stalled-gateway test).
        requestHandler: {
          requestTimeout: this.config.requestTimeoutMs,
          connectionTimeout: this.config.requestTimeoutMs,
          throwOnRequestTimeout: true,
        },
      }),
    }));
    return this.sdk;
  }

  async put(key: string, body: Buffer): Promise<void> {
    const applied = await this.putObject(key, body, 'application/x-ndjson', true);
    this.checkEncrypted(applied);
  }

  /**
   * One PutObject with the encryption (and lock) settings; resolves with the encryption the server says
   * it applied.
   */
  private async putObject(key: string, body: Buffer, contentType: string, lock: boolean): Promise<string | undefined> {
    const lockUntil =
      lock && this.config.objectLock
        ? new Date(Date.now() + this.config.objectLock.retainDays * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
        : undefined;
    const answer = await this.requests.send({
      method: 'PUT',
      key: this.config.prefix + key,
      headers: {
        'content-type': contentType,
        'content-md5': createHash('md5').update(body).digest('base64'),
        ...(lockUntil && this.config.objectLock
          ? {
              'x-amz-object-lock-mode': this.config.objectLock.mode,
              'x-amz-object-lock-retain-until-date': lockUntil,
            }
          : {}),
        ...this.encryptionHeaders(),
      },
      body,
    });
    const applied = answer.headers['x-amz-server-side-encryption'];
    return Array.isArray(applied) ? applied[0] : applied;
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
      const answer = await this.requests.send({ method: 'GET', query: { 'object-lock': '' } });
      if (/<ObjectLockEnabled>\s*Enabled\s*<\/ObjectLockEnabled>/.test(answer.body.toString('utf8'))) return;
    } catch (err) {
      const status = err instanceof S3RequestError ? err.status : undefined;
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
      applied = await this.putObject(key, body, 'text/plain', false);
    } catch {
      return; // cannot ask now (network, permissions): every write checks again
    }
    await this.requests.send({ method: 'DELETE', key: this.config.prefix + key }).catch(() => undefined);
    this.checkEncrypted(applied);
  }

  private encryptionHeaders(): Record<string, string> {
    const sse = this.config.sse;
    if (!sse) return {};
    return {
      'x-amz-server-side-encryption': sse.algorithm,
      ...(sse.algorithm === 'aws:kms' && sse.kmsKeyId
        ? { 'x-amz-server-side-encryption-aws-kms-key-id': sse.kmsKeyId }
        : {}),
    };
  }

  async get(key: string): Promise<Buffer | undefined> {
    const { sdk, client } = await this.reader();
    try {
      const out = await client.send(
        new sdk.GetObjectCommand({ Bucket: this.config.bucket, Key: this.config.prefix + key }),
      );
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (err instanceof sdk.NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const { sdk, client } = await this.reader();
    let token: string | undefined;
    do {
      const page = await client.send(
        new sdk.ListObjectsV2Command({
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
