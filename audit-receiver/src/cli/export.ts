import { rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { exportEvents } from '../archive/export-events.js';
import { parseStatus, type EventFilter } from '../archive/filters.js';
import { ARCHIVE_ENV_HELP, archiveFromEnv, eventTypeOption, requiredRange } from './archive-options.js';
import { progress } from './progress.js';
import { UsageError, noArguments } from './usage-error.js';

export const EXPORT_HELP = `Usage: audit-archive export --from DATE --to DATE [--event api_access|function_usage]
         [--actor SUB] [--action ACTION] [--path PREFIX] [--method M] [--status CODE|4xx|5xx]
         [--format ndjson|csv] [--out FILE]

Streams the archived events of the days from --from to --to (UTC, both included) in event-time order,
to the nanosecond. NDJSON (default) is every event exactly as archived, one per line; CSV has a fixed
column set (see README, "CSV columns"). Filters (api_access only) must all match:
  --actor SUB       actor.sub equals SUB
  --action ACTION   actions contains ACTION, e.g. Function:Create
  --path PREFIX     path starts with PREFIX
  --method M        method equals M (any case)
  --status S        response_code equals S, or its class: 4xx, 5xx
  --out FILE        write to FILE (via FILE.part, renamed when complete) instead of stdout

Objects are read 16 at a time and each day is sorted with bounded memory (spilling to temporary files),
so a day of a busy cluster fits. A progress line is shown on stderr when it is a terminal.

${ARCHIVE_ENV_HELP}

Exit status: 0 on success; 1 when the archive cannot be read or holds unreadable lines (reported on
stderr); 2 for bad usage.`;

export async function exportCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      event: { type: 'string' },
      actor: { type: 'string' },
      action: { type: 'string' },
      path: { type: 'string' },
      method: { type: 'string' },
      status: { type: 'string' },
      format: { type: 'string', default: 'ndjson' },
      out: { type: 'string' },
    },
  });
  noArguments(positionals, EXPORT_HELP);
  const { from, to } = requiredRange(values.from, values.to, EXPORT_HELP);
  const type = eventTypeOption(values.event);
  if (values.format !== 'ndjson' && values.format !== 'csv') throw new UsageError('--format must be ndjson or csv');
  const filter: EventFilter = {};
  if (values.actor !== undefined) filter.actor = values.actor;
  if (values.action !== undefined) filter.action = values.action;
  if (values.path !== undefined) filter.pathPrefix = values.path;
  if (values.method !== undefined) filter.method = values.method;
  if (values.status !== undefined) {
    const status = parseStatus(values.status);
    if (!status) throw new UsageError(`--status "${values.status}" is not a code like 403 or a class like 4xx`);
    filter.status = status;
  }
  if (type.name !== 'api_access' && Object.keys(filter).length > 0) {
    throw new UsageError('--actor, --action, --path, --method and --status apply to api_access events only');
  }

  const storage = await archiveFromEnv(process.env);
  const partial = values.out ? `${values.out}.part` : undefined;
  // Opened before any work, so a bad --out fails at once with a message, not a stack trace.
  const target = partial ? (await open(partial, 'w')).createWriteStream() : (out as NodeJS.WritableStream & Writable);
  const interrupted = () => {
    if (partial) rmSync(partial, { force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const bar = progress();
  try {
    const summary = await exportEvents(storage, {
      eventType: type.name,
      timeField: type.timeField,
      from,
      to,
      filter,
      format: values.format,
      out: target,
      onProgress: (p) => bar.update(`${p.day}: ${p.objectsRead}/${p.objectsInDay} objects, ${p.events} events written`),
    });
    bar.done();
    if (partial) {
      target.end();
      await once(target, 'finish');
      await rename(partial, values.out!);
    }
    for (const { key, line } of summary.unreadable.slice(0, 20)) {
      process.stderr.write(`audit-archive export: ${key} line ${line} is not a JSON object; left out\n`);
    }
    if (summary.unreadable.length > 0) {
      process.stderr.write(`audit-archive export: ${summary.unreadable.length} unreadable line(s) in the archive\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    bar.done();
    if (partial) {
      target.destroy();
      await rm(partial, { force: true });
    }
    throw err;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}
