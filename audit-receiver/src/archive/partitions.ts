import { formatDay, type UtcDay } from '../event-time.js';
import { partitionPrefix } from '../object-key.js';
import type { ArchiveStorage, StoredObject } from '../storage/storage.js';

/** Parses a YYYY-MM-DD calendar date (UTC); undefined when it is not a real date. */
export function parseDay(text: string): UtcDay | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const day = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const date = new Date(0);
  date.setUTCFullYear(day.year, day.month - 1, day.day);
  const real =
    date.getUTCFullYear() === day.year && date.getUTCMonth() + 1 === day.month && date.getUTCDate() === day.day;
  return real ? day : undefined;
}

/** Every day from `from` to `to`, both included. */
export function* daysBetween(from: UtcDay, to: UtcDay): Generator<UtcDay> {
  const date = new Date(0);
  date.setUTCFullYear(from.year, from.month - 1, from.day);
  // Compared as numbers: as text, the day after 9999-12-31 ("10000-01-01") would sort before it.
  const last = dayNumber(to);
  for (;;) {
    const day = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    if (dayNumber(day) > last) return;
    yield day;
    date.setUTCDate(date.getUTCDate() + 1);
  }
}

function daySpan(from: UtcDay, to: UtcDay): number {
  return (Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000;
}

export function dayNumber(day: UtcDay): number {
  return day.year * 10_000 + day.month * 100 + day.day;
}

export interface Partition {
  day: UtcDay;
  /** The partition's key prefix, relative to the archive's prefix. */
  prefix: string;
  objects: StoredObject[];
}

const DAY_PREFIX = /^[^/]+\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//;

/**
 * The non-empty day partitions of an event type, in date order, limited to [from, to] when given. A range
 * of up to about two months is listed day by day (a narrow range in a large archive lists little); a longer
 * or open one lists the event type's whole prefix once. Only well-formed day partitions are returned.
 */
export async function* partitions(
  storage: ArchiveStorage,
  eventType: string,
  from: UtcDay | undefined,
  to: UtcDay | undefined,
): AsyncGenerator<Partition> {
  if (from && to && daySpan(from, to) <= 62) {
    // A short range: each day's prefix on its own, so a narrow range in a large archive lists little.
    for (const day of daysBetween(from, to)) {
      const prefix = partitionPrefix('', eventType, day);
      const objects: StoredObject[] = [];
      for await (const object of storage.list(prefix)) objects.push(object);
      if (objects.length > 0) yield { day, prefix, objects };
    }
    return;
  }
  // A long or open range: the event type's whole prefix, listed once and filtered.
  const low = from ? formatDay(from) : '';
  const high = to ? formatDay(to) : '9999-99-99';
  let current: Partition | undefined;
  for await (const object of storage.list(`${eventType}/`)) {
    const m = DAY_PREFIX.exec(object.key);
    if (!m) continue;
    const day = parseDay(`${m[1]}-${m[2]}-${m[3]}`);
    if (!day) continue;
    const text = formatDay(day);
    if (text < low || text > high) continue;
    if (current?.prefix !== m[0]) {
      if (current) yield current;
      current = { day, prefix: m[0], objects: [] };
    }
    current.objects.push(object);
  }
  if (current) yield current;
}

/**
 * Fetches objects with at most `concurrency` requests in flight and yields each as it arrives (in no
 * particular order), so memory holds a bounded number of objects whatever the partition's size.
 */
export async function* fetchObjects(
  storage: ArchiveStorage,
  objects: readonly StoredObject[],
  concurrency: number,
): AsyncGenerator<{ key: string; body: Buffer }> {
  let next = 0;
  const inFlight = new Map<number, Promise<{ slot: number; key: string; body: Buffer }>>();
  const start = (slot: number) => {
    const object = objects[next++];
    if (!object) return;
    inFlight.set(
      slot,
      storage.get(object.key).then((body) => {
        if (body === undefined) throw new Error(`${object.key} was listed but is gone`);
        return { slot, key: object.key, body };
      }),
    );
  };
  for (let slot = 0; slot < concurrency; slot++) start(slot);
  while (inFlight.size > 0) {
    const done = await Promise.race(inFlight.values());
    inFlight.delete(done.slot);
    start(done.slot);
    yield { key: done.key, body: done.body };
  }
}
