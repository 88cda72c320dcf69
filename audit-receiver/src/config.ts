import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { loadSigningKeys, readSecretFile } from './secrets.js';
import type { SigningKey } from './verify-signature.js';

export const DEFAULT_SECRETS_DIR = '/var/openfaas/secrets';

export interface FileArchiveConfig {
  kind: 'file';
  /** Absolute directory; keys are paths below it. */
  root: string;
}

export interface S3ArchiveConfig {
  kind: 's3';
  bucket: string;
  /** '' or a prefix ending in '/'. */
  prefix: string;
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  /** From secret files; undefined means the AWS SDK's default chain (env, profile, IAM role). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  requestTimeoutMs: number;
  maxAttempts: number;
  /** S3 Object Lock on every write; the bucket must have been created with Object Lock enabled. */
  objectLock: { mode: 'GOVERNANCE' | 'COMPLIANCE'; retainDays: number } | undefined;
  /** Server-side encryption on every write. */
  sse: { algorithm: 'AES256' } | { algorithm: 'aws:kms'; kmsKeyId: string | undefined } | undefined;
}

export type ArchiveConfig = FileArchiveConfig | S3ArchiveConfig;

export interface ReceiverConfig {
  secretsDir: string;
  archive: ArchiveConfig;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Archive settings only: what the CLI needs to read the archive, with no webhook secret. */
export function loadArchiveConfig(env: Env): ArchiveConfig {
  const url = env.ARCHIVE_URL?.trim();
  if (!url) {
    throw new ConfigError('ARCHIVE_URL', 'not set; use s3://BUCKET[/PREFIX] or file:PATH');
  }
  if (url.startsWith('file:')) return { kind: 'file', root: parseFileUrl(url) };
  if (url.startsWith('s3://')) return parseS3(url, env);
  throw new ConfigError('ARCHIVE_URL', `unsupported scheme in "${url}"; use s3://BUCKET[/PREFIX] or file:PATH`);
}

/** Every setting the receiver needs, read and checked once at start-up. */
export function loadConfig(env: Env): ReceiverConfig {
  const secretsDir = env.SECRETS_DIR?.trim() || DEFAULT_SECRETS_DIR;
  return { secretsDir, archive: loadArchiveConfig(env) };
}

/** The webhook keys, read at start-up so a missing secret stops the function before it takes traffic. */
export function loadKeys(config: ReceiverConfig): SigningKey[] {
  return loadSigningKeys(config.secretsDir);
}

function parseFileUrl(url: string): string {
  // file:./data, file:data, file:/abs/path and file:///abs/path all name a directory.
  let path = url.slice('file:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  if (!path) throw new ConfigError('ARCHIVE_URL', 'file: needs a path, e.g. file:./data');
  return isAbsolute(path) ? path : resolve(path);
}

// Bucket names as S3 and its compatibles accept them (legacy names with upper case and _ included).
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

function parseS3(url: string, env: Env): S3ArchiveConfig {
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const rawPrefix = slash === -1 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket)) {
    throw new ConfigError('ARCHIVE_URL', `"${bucket}" is not a valid bucket name (s3://BUCKET[/PREFIX])`);
  }
  const trimmedPrefix = rawPrefix.replace(/^\/+|\/+$/g, '');
  if (trimmedPrefix !== '' && trimmedPrefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new ConfigError('ARCHIVE_URL', `prefix "${rawPrefix}" has an empty, "." or ".." segment`);
  }
  const endpoint = optional(env.S3_ENDPOINT);
  if (endpoint !== undefined) {
    try {
      const parsed = new URL(endpoint);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
    } catch (err) {
      throw new ConfigError('S3_ENDPOINT', `"${endpoint}" is not an http(s) URL`, { cause: err });
    }
  }
  return {
    kind: 's3',
    bucket,
    prefix: trimmedPrefix ? `${trimmedPrefix}/` : '',
    endpoint,
    region: optional(env.S3_REGION) ?? 'us-east-1',
    // Path style by default when an endpoint is given: Ceph RGW, MinIO and most compatibles need it.
    forcePathStyle: parseBoolean('S3_FORCE_PATH_STYLE', env.S3_FORCE_PATH_STYLE, endpoint !== undefined),
    credentials: loadS3Credentials(env.SECRETS_DIR?.trim() || DEFAULT_SECRETS_DIR),
    requestTimeoutMs: parseInteger('S3_REQUEST_TIMEOUT_MS', env.S3_REQUEST_TIMEOUT_MS, 5000, 100, 600_000),
    maxAttempts: parseInteger('S3_MAX_ATTEMPTS', env.S3_MAX_ATTEMPTS, 3, 1, 10),
    objectLock: parseObjectLock(env),
    sse: parseSse(env),
  };
}

function parseObjectLock(env: Env): S3ArchiveConfig['objectLock'] {
  const mode = optional(env.S3_OBJECT_LOCK_MODE)?.toUpperCase();
  const days = optional(env.S3_OBJECT_LOCK_RETAIN_DAYS);
  if (mode === undefined) {
    if (days !== undefined)
      throw new ConfigError(
        'S3_OBJECT_LOCK_MODE',
        'must be set (GOVERNANCE or COMPLIANCE) when S3_OBJECT_LOCK_RETAIN_DAYS is',
      );
    return undefined;
  }
  if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') {
    throw new ConfigError('S3_OBJECT_LOCK_MODE', `"${env.S3_OBJECT_LOCK_MODE}" is not GOVERNANCE or COMPLIANCE`);
  }
  if (days === undefined) throw new ConfigError('S3_OBJECT_LOCK_RETAIN_DAYS', 'must be set with S3_OBJECT_LOCK_MODE');
  return { mode, retainDays: parseInteger('S3_OBJECT_LOCK_RETAIN_DAYS', days, 0, 1, 36_500) };
}

function parseSse(env: Env): S3ArchiveConfig['sse'] {
  const algorithm = optional(env.S3_SSE);
  const kmsKeyId = optional(env.S3_SSE_KMS_KEY_ID);
  if (algorithm === undefined) {
    if (kmsKeyId !== undefined) throw new ConfigError('S3_SSE', 'must be aws:kms when S3_SSE_KMS_KEY_ID is set');
    return undefined;
  }
  if (algorithm === 'AES256') {
    if (kmsKeyId !== undefined) throw new ConfigError('S3_SSE_KMS_KEY_ID', 'applies to S3_SSE=aws:kms only');
    return { algorithm };
  }
  if (algorithm === 'aws:kms') return { algorithm, kmsKeyId };
  throw new ConfigError('S3_SSE', `"${algorithm}" is not AES256 or aws:kms`);
}

function loadS3Credentials(dir: string): S3ArchiveConfig['credentials'] {
  const id = readSecretFile(dir, 's3-access-key-id')?.toString('utf8').trim();
  const secret = readSecretFile(dir, 's3-secret-access-key')?.toString('utf8').trim();
  if (id === undefined && secret === undefined) return undefined;
  if (!id) throw new ConfigError('s3-access-key-id', `missing or empty in ${dir} while s3-secret-access-key is set`);
  if (!secret)
    throw new ConfigError('s3-secret-access-key', `missing or empty in ${dir} while s3-access-key-id is set`);
  return { accessKeyId: id, secretAccessKey: secret };
}

function optional(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function parseBoolean(key: string, value: string | undefined, fallback: boolean): boolean {
  const v = optional(value)?.toLowerCase();
  if (v === undefined) return fallback;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(key, `"${value}" is not true or false`);
}

export function parseInteger(
  key: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = optional(value);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(key, `"${value}" is not a whole number from ${min} to ${max}`);
  }
  return n;
}
