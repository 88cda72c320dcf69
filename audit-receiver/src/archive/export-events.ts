import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { UtcDay } from '../event-time.js';
import { formatDay } from '../event-time.js';
import type { ArchiveStorage } from '../storage/storage.js';
import { csvHeader, csvRow } from './csv.js';
import { ExternalSorter } from './external-sort.js';
import { matches, type EventFilter } from './filters.js';
import { fetchObjects, partitions } from './partitions.js';
import { timeSortKey } from './sort-key.js';

export interface ExportOptions {
  eventType: string;
  /** The event member that orders events (time, started). */
  timeField: string;
  from: UtcDay;
  to: UtcDay;
  filter: EventFilter;
  format: 'ndjson' | 'csv';
  out: Writable;
  /** Objects fetched at once. */
  concurrency?: number;
  /** Memory for sorting one day before it spills to temporary files. */
  sortBudgetBytes?: number;
  onProgress?: (progress: { day: string; objectsRead: number; objectsInDay: number; events: number }) => void;
}

export interface ExportSummary {
  days: number;
  objects: number;
  events: number;
  /** Lines that were not JSON objects: reported, never silently passed over. */
  unreadable: { key: string; line: number }[];
}

/**
 * Streams the matching events of [from, to] in event-time order (to the nanosecond; ties by object key and
 * line). Days are done one after another (the partition day is the event's UTC day, so day order is time
 * order); within a day, objects are fetched in parallel and events sorted with bounded memory. NDJSON lines
 * are written exactly as archived.
 */
export async function exportEvents(storage: ArchiveStorage, options: ExportOptions): Promise<ExportSummary> {
  const summary: ExportSummary = { days: 0, objects: 0, events: 0, unreadable: [] };
  const write = async (text: string) => {
    if (!options.out.write(text)) await once(options.out, 'drain');
  };
  if (options.format === 'csv') await write(csvHeader(options.eventType));
  for await (const partition of partitions(storage, options.eventType, options.from, options.to)) {
    summary.days++;
    const day = formatDay(partition.day);
    const sorter = new ExternalSorter(options.sortBudgetBytes);
    let objectsRead = 0;
    for await (const { key, body } of fetchObjects(storage, partition.objects, options.concurrency ?? 16)) {
      const lines = body.toString('utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string;
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line) as Record<string, unknown>;
          if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new Error('not an object');
        } catch {
          summary.unreadable.push({ key, line: i + 1 });
          continue;
        }
        if (!matches(options.filter, event)) continue;
        const time = event[options.timeField];
        // Events whose time cannot be read sort last in their day rather than disappear.
        const sortKey = (typeof time === 'string' ? timeSortKey(time) : undefined) ?? '~';
        const output = options.format === 'csv' ? csvRow(options.eventType, event) : `${line}\n`;
        await sorter.add(`${sortKey}\u0001${key}\u0001${String(i).padStart(9, '0')}`, output);
      }
      objectsRead++;
      summary.objects++;
      options.onProgress?.({ day, objectsRead, objectsInDay: partition.objects.length, events: summary.events });
    }
    for await (const line of sorter.sorted()) {
      await write(line);
      summary.events++;
    }
  }
  return summary;
}

export interface PartitionSummary {
  day: string;
  objects: number;
  events: number;
  bytes: number;
}

/** Objects, events (lines) and bytes per day partition; every object is read to count its lines. */
export async function* summarisePartitions(
  storage: ArchiveStorage,
  eventType: string,
  from: UtcDay | undefined,
  to: UtcDay | undefined,
  options: { concurrency?: number; onProgress?: (day: string, read: number, total: number) => void } = {},
): AsyncGenerator<PartitionSummary> {
  for await (const partition of partitions(storage, eventType, from, to)) {
    const day = formatDay(partition.day);
    let events = 0;
    let read = 0;
    for await (const { body } of fetchObjects(storage, partition.objects, options.concurrency ?? 16)) {
      for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) events++;
      options.onProgress?.(day, ++read, partition.objects.length);
    }
    const bytes = partition.objects.reduce((sum, o) => sum + o.size, 0);
    yield { day, objects: partition.objects.length, events, bytes };
  }
}
