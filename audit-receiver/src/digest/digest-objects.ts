import type { EventType } from '../event-types.js';
import { timeSortKey } from '../archive/sort-key.js';
import type { ArchiveStorage } from '../storage/storage.js';
import { sha256Hex, type DigestObject } from './digest-format.js';

/** Reads an object and describes it for a digest: hash, size, event count and event-time bounds. */
export async function describeObject(
  storage: ArchiveStorage,
  key: string,
  type: EventType,
): Promise<DigestObject | undefined> {
  const body = await storage.get(key);
  if (body === undefined) return undefined;
  let events = 0;
  let first: [string, string] | undefined;
  let last: [string, string] | undefined;
  for (const line of body.toString('utf8').split('\n')) {
    if (line === '') continue;
    events++;
    let time: unknown;
    try {
      const value = JSON.parse(line) as Record<string, unknown>;
      // Quarantine lines hold the event under `event`; its time may be anything.
      time = (key.startsWith('_quarantine/') ? (value.event as Record<string, unknown> | undefined) : value)?.[
        type.timeField
      ];
    } catch {
      continue;
    }
    const sortKey = typeof time === 'string' ? timeSortKey(time) : undefined;
    if (!sortKey || typeof time !== 'string') continue;
    if (!first || sortKey < first[0]) first = [sortKey, time];
    if (!last || sortKey > last[0]) last = [sortKey, time];
  }
  return {
    key,
    sha256: sha256Hex(body),
    size: body.length,
    events,
    first_event_time: first?.[1] ?? null,
    last_event_time: last?.[1] ?? null,
  };
}
