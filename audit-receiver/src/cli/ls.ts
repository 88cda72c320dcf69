import { parseArgs } from 'node:util';
import { summarisePartitions } from '../archive/export-events.js';
import { ARCHIVE_ENV_HELP, archiveFromEnv, checkRange, dayOption, eventTypeOption } from './archive-options.js';
import { progress } from './progress.js';
import { noArguments } from './usage-error.js';

export const LS_HELP = `Usage: audit-archive ls [--from DATE] [--to DATE] [--event api_access|function_usage]

Lists the archive's day partitions of one event type (default api_access) with their object count, event
count and bytes, then the totals. Every object is read to count its events.

${ARCHIVE_ENV_HELP}

Exit status: 0 on success, 1 when the archive cannot be read, 2 for bad usage.`;

export async function ls(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      event: { type: 'string' },
    },
  });
  noArguments(positionals, LS_HELP);
  const type = eventTypeOption(values.event);
  const from = dayOption('--from', values.from);
  const to = dayOption('--to', values.to);
  checkRange(from, to);
  const storage = await archiveFromEnv(process.env);
  const bar = progress();
  const rows: string[][] = [['partition', 'objects', 'events', 'bytes']];
  const total = { objects: 0, events: 0, bytes: 0 };
  for await (const p of summarisePartitions(storage, type.name, from, to, {
    onProgress: (day, read, count) => bar.update(`${day}: ${read}/${count} objects`),
  })) {
    rows.push([`${type.name}/${dayPath(p.day)}`, String(p.objects), String(p.events), String(p.bytes)]);
    total.objects += p.objects;
    total.events += p.events;
    total.bytes += p.bytes;
  }
  bar.done();
  rows.push(['total', String(total.objects), String(total.events), String(total.bytes)]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) {
    out.write(`${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}\n`);
  }
  return 0;
}

function dayPath(day: string): string {
  const [y, m, d] = day.split('-');
  return `year=${y}/month=${m}/day=${d}`;
}
