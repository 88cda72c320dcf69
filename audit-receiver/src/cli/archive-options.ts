import { existsSync, statSync } from 'node:fs';
import type { UtcDay } from '../event-time.js';
import { EVENT_TYPES, type EventType } from '../event-types.js';
import { parseDay } from '../archive/partitions.js';
import { loadArchiveConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { openStorage } from '../storage/open-storage.js';
import type { ArchiveStorage } from '../storage/storage.js';
import { UsageError } from './usage-error.js';

export const ARCHIVE_ENV_HELP = `The archive is read from ARCHIVE_URL (s3://BUCKET[/PREFIX] or file:PATH), with the receiver's S3
settings (S3_ENDPOINT, S3_REGION, S3_FORCE_PATH_STYLE; credentials from SECRETS_DIR's s3-access-key-id and
s3-secret-access-key, else the AWS SDK's default chain: AWS_ACCESS_KEY_ID, AWS_PROFILE, an IAM role).
Dates are UTC calendar days, YYYY-MM-DD, both ends included.`;

export function eventTypeOption(value: string | undefined): EventType {
  const type = EVENT_TYPES.get(value ?? 'api_access');
  if (!type) throw new UsageError(`--event must be one of ${[...EVENT_TYPES.keys()].join(', ')}`);
  return type;
}

export function dayOption(name: string, value: string | undefined): UtcDay | undefined {
  if (value === undefined) return undefined;
  const day = parseDay(value);
  if (!day) throw new UsageError(`${name} "${value}" is not a date like 2026-12-01`);
  return day;
}

export function checkRange(from: UtcDay | undefined, to: UtcDay | undefined): void {
  const text = (d: UtcDay) => `${d.year}${String(d.month).padStart(2, '0')}${String(d.day).padStart(2, '0')}`;
  if (from && to && text(from) > text(to)) throw new UsageError('--from is after --to');
}

/** The archive named by the environment; a missing or invalid setting is a usage error naming it. */
export async function archiveFromEnv(env: NodeJS.ProcessEnv): Promise<ArchiveStorage> {
  let config;
  try {
    config = loadArchiveConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  // A mistyped path must not look like an empty archive.
  if (config.kind === 'file') assertDirectory(config.root);
  return openStorage(config);
}

export function assertDirectory(path: string): void {
  if (!existsSync(path)) throw new Error(`the archive directory ${path} does not exist`);
  if (!statSync(path).isDirectory()) throw new Error(`the archive ${path} is not a directory`);
}

/** --from and --to, both required, both real dates, in order. */
export function requiredRange(
  from: string | undefined,
  to: string | undefined,
  help: string,
): { from: UtcDay; to: UtcDay } {
  if (from === undefined || to === undefined) throw new UsageError('--from and --to are required', help);
  const range = { from: dayOption('--from', from) as UtcDay, to: dayOption('--to', to) as UtcDay };
  checkRange(range.from, range.to);
  return range;
}

/** A non-negative whole-number option. */
export function wholeNumberOption(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} "${value}" is not a whole number`);
  return n;
}
