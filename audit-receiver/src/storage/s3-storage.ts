import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import type { S3ArchiveConfig } from '../config.js';
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
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.config.bucket,
        Key: this.config.prefix + key,
        // A Buffer with a known length: a plain PUT with Content-Length, no chunked encoding.
        Body: body,
        ContentLength: body.length,
        ContentMD5: createHash('md5').update(body).digest('base64'),
        ContentType: 'application/x-ndjson',
      }),
    );
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
