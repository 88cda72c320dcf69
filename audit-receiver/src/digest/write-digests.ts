import type { KeyObject } from 'node:crypto';
import { daysBetween } from '../archive/partitions.js';
import { utcDayOfInstant } from '../event-time.js';
import type { EventType } from '../event-types.js';
import { partitionPrefix, QUARANTINE_PREFIX } from '../object-key.js';
import type { ArchiveStorage, StoredObject } from '../storage/storage.js';
import { describeObject } from './digest-objects.js';
import {
  DIGEST_PREFIX,
  DIGEST_VERSION,
  digestBytes,
  digestKey,
  headKey,
  keyId,
  publicKeyOf,
  sha256Hex,
  signDigest,
  type Digest,
} from './digest-format.js';

const HOUR = 3_600_000;

export interface DigestJobOptions {
  storage: ArchiveStorage;
  eventTypes: readonly EventType[];
  privateKey: KeyObject;
  now?: Date;
  /** An hour is closed this long after it ends, so writes in flight at its end are in its digest. */
  graceMinutes?: number;
  /** How many days back the job looks for objects no digest lists yet (late objects get backfills). */
  lookbackDays?: number;
}

export interface WrittenDigest {
  key: string;
  kind: Digest['kind'];
  hourStart: string;
  objects: number;
}

interface Head {
  key: string;
  sha256: string;
  sequence: number;
  hourEnd: number;
}

/**
 * Brings every event type's digest chain up to the last closed hour: an hourly digest for each hour since
 * the chain's last (an hour with no objects still gets one), and a backfill digest for each earlier hour
 * in which objects were written that no digest lists yet. Digests are only ever added, never rewritten.
 */
export async function writeDigests(options: DigestJobOptions): Promise<WrittenDigest[]> {
  const written: WrittenDigest[] = [];
  for (const type of options.eventTypes) written.push(...(await digestEventType(type, options)));
  return written;
}

async function digestEventType(type: EventType, options: DigestJobOptions): Promise<WrittenDigest[]> {
  const { storage } = options;
  const now = (options.now ?? new Date()).getTime();
  const closedUntil = Math.floor((now - (options.graceMinutes ?? 10) * 60_000) / HOUR) * HOUR;
  const lookback = options.lookbackDays ?? 2;
  const days = [...daysBetween(utcDayOfInstant(closedUntil - lookback * 24 * HOUR), utcDayOfInstant(closedUntil))];

  let head = await readHead(storage, type.name);
  const listed = new Set<string>();
  for (const day of [...daysBetween(utcDayOfInstant(closedUntil - (lookback + 1) * 24 * HOUR), utcDayOfInstant(now))]) {
    for await (const { key } of storage.list(partitionPrefix(DIGEST_PREFIX, type.name, day))) {
      const body = await storage.get(key);
      if (!body) continue;
      for (const object of (JSON.parse(body.toString('utf8')) as Digest).objects) listed.add(object.key);
    }
  }

  // Objects written before the last closed hour ended that no digest lists, by the hour they were written.
  const pending = new Map<number, StoredObject[]>();
  for (const day of days) {
    for (const prefix of [partitionPrefix('', type.name, day), partitionPrefix(QUARANTINE_PREFIX, type.name, day)]) {
      for await (const object of storage.list(prefix)) {
        const written = object.lastModified.getTime();
        if (written >= closedUntil || listed.has(object.key)) continue;
        const hour = Math.floor(written / HOUR) * HOUR;
        pending.set(hour, [...(pending.get(hour) ?? []), object]);
      }
    }
  }

  const firstHour = head?.hourEnd ?? Math.min(closedUntil - HOUR, ...pending.keys());
  const plan: { hour: number; kind: Digest['kind'] }[] = [
    ...[...pending.keys()]
      .filter((h) => h < firstHour)
      .sort((a, b) => a - b)
      .map((hour) => ({ hour, kind: 'backfill' as const })),
  ];
  for (let hour = firstHour; hour < closedUntil; hour += HOUR) plan.push({ hour, kind: 'hourly' });

  const out: WrittenDigest[] = [];
  const publicKey = publicKeyOf(options.privateKey);
  for (const { hour, kind } of plan) {
    const objects = [];
    for (const object of (pending.get(hour) ?? []).sort((a, b) => (a.key < b.key ? -1 : 1))) {
      const described = await describeObject(storage, object.key, type);
      if (described) objects.push(described);
    }
    const digest = signDigest(
      {
        version: DIGEST_VERSION,
        event_type: type.name,
        kind,
        sequence: (head?.sequence ?? 0) + 1,
        hour_start: new Date(hour).toISOString(),
        hour_end: new Date(hour + HOUR).toISOString(),
        generated_at: new Date(now).toISOString(),
        objects,
        previous: head ? { key: head.key, sha256: head.sha256 } : null,
        key_id: keyId(publicKey),
      },
      options.privateKey,
    );
    const key = digestKey(digest);
    const bytes = digestBytes(digest);
    await storage.put(key, bytes);
    head = {
      key,
      sha256: sha256Hex(bytes),
      sequence: digest.sequence,
      hourEnd: kind === 'hourly' ? hour + HOUR : (head?.hourEnd ?? hour + HOUR),
    };
    await storage.put(headKey(type.name), Buffer.from(`${JSON.stringify(head)}\n`));
    out.push({ key, kind, hourStart: digest.hour_start, objects: objects.length });
  }
  return out;
}

async function readHead(storage: ArchiveStorage, eventType: string): Promise<Head | undefined> {
  const body = await storage.get(headKey(eventType));
  if (!body) return undefined;
  const head = JSON.parse(body.toString('utf8')) as Head;
  // The pointer is a convenience; the digest it names must exist and hash as recorded.
  const digest = await storage.get(head.key);
  if (!digest || sha256Hex(digest) !== head.sha256) {
    throw new Error(
      `${headKey(eventType)} names ${head.key}, which is missing or altered: the chain cannot be continued safely`,
    );
  }
  return head;
}
