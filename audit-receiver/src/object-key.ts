import { createHash } from 'node:crypto';
import { pad, type UtcDay } from './event-time.js';

/** Where what cannot go into an event type's partitions is kept: outside them, so queries never see it. */
export const QUARANTINE_PREFIX = '_quarantine/';
export const UNKNOWN_PREFIX = '_unknown/';

/** `<prefix><eventType>/year=YYYY/month=MM/day=DD/`: Hive-style, so query engines prune by date. */
export function partitionPrefix(prefix: string, eventType: string, day: UtcDay): string {
  return `${prefix}${eventType}/year=${pad(day.year, 4)}/month=${pad(day.month, 2)}/day=${pad(day.day, 2)}/`;
}

// An X-Openfaas-Event value this receiver does not know is used in a key only when plainly safe.
const SAFE_TYPE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The key segment for an event type named by the sender (known or not); never more than one segment. */
export function eventTypeSegment(typeName: string | undefined): string {
  if (typeName === undefined || typeName === '') return 'no-event-header';
  if (SAFE_TYPE.test(typeName)) return typeName;
  return `h-${sha256Hex(typeName).slice(0, 32)}`;
}

/**
 * The object name for a delivery's events of one day: the first 32 hex digits (128 bits) of the SHA-256
 * of the body, then `.ndjson` (`.raw` for a body kept as sent).
 *
 * Named by the signed bytes, not by X-Openfaas-Delivery: the signature covers the body only, so anyone who
 * saw a genuine delivery could replay it under new delivery ids, and id-named objects would store its
 * events again each time. A retry, a replay, or the same delivery taken by two replicas all rewrite the
 * same keys with the same events, so lines are never duplicated, and no header text ever reaches a key.
 * The delivery id is kept in each line's `_receipt`.
 */
export function objectName(bodyDigestHex: string, extension = 'ndjson'): string {
  return `${bodyDigestHex.slice(0, 32)}.${extension}`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
