import { createHash } from 'node:crypto';
import { pad, type UtcDay } from './event-time.js';

// A delivery id is used in the object name as it is only when it is plainly safe: letters, digits, '-'
// and '_', starting with a letter or digit (no '.', '/', control characters, no leading '_' that Hive
// and Athena would treat as a hidden file), at most 128 characters. Any other id is untrusted text and
// is replaced by a hash of it, so it can never steer a key out of its partition.
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** `<prefix><eventType>/year=YYYY/month=MM/day=DD/`: Hive-style, so query engines prune by date. */
export function partitionPrefix(prefix: string, eventType: string, day: UtcDay): string {
  return `${prefix}${eventType}/year=${pad(day.year, 4)}/month=${pad(day.month, 2)}/day=${pad(day.day, 2)}/`;
}

/**
 * The object name for one delivery's events of one day: `<id-part>.<body-digest>.ndjson`.
 * Deterministic, so a retried delivery (same id, same bytes) rewrites the same keys instead of adding
 * lines. The first 16 hex digits of the body's SHA-256 are part of the name so that two different bodies
 * under one id (a sender that reuses ids) can never overwrite each other's events.
 */
export function objectName(deliveryId: string | undefined, bodyDigestHex: string): string {
  return `${idPart(deliveryId)}.${bodyDigestHex.slice(0, 16)}.ndjson`;
}

function idPart(deliveryId: string | undefined): string {
  if (deliveryId === undefined || deliveryId === '') return 'no-id';
  if (SAFE_ID.test(deliveryId)) return deliveryId;
  return `h-${createHash('sha256').update(deliveryId, 'utf8').digest('hex').slice(0, 32)}`;
}
