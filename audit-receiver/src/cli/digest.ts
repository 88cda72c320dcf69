import { parseArgs } from 'node:util';
import { DEFAULT_SECRETS_DIR } from '../config.js';
import { writeDigests } from '../digest/write-digests.js';
import { loadSigningKey } from '../digest/signing-key.js';
import { EVENT_TYPES } from '../event-types.js';
import { ARCHIVE_ENV_HELP, archiveFromEnv, eventTypeOption, wholeNumberOption } from './archive-options.js';
import { UsageError, noArguments } from './usage-error.js';
import { ConfigError } from '../errors.js';

export const DIGEST_HELP = `Usage: audit-archive digest [--private-key FILE] [--event TYPE] [--grace-minutes N] [--lookback-days N]

Brings the signed digest chain of each event type (or only --event) up to the last closed hour: an
hourly digest per hour (also for an hour with no objects) and a backfill digest for objects written in
an already digested hour. Digests go to _digests/<type>/… in the archive; see docs/DIGESTS.md.

  --private-key FILE   Ed25519 private key, PEM (default: the digest-signing-key secret in SECRETS_DIR)
  --grace-minutes N    an hour is closed N minutes after it ends (default 10)
  --lookback-days N    days back to look for objects no digest lists yet (default 2)
  --now TIME           run as if it were TIME (RFC 3339), e.g. to catch up or to test

${ARCHIVE_ENV_HELP}

Exit status: 0 on success, 1 when the archive cannot be read or written, 2 for bad usage.`;

export async function digestCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'private-key': { type: 'string' },
      event: { type: 'string' },
      'grace-minutes': { type: 'string', default: '10' },
      'lookback-days': { type: 'string', default: '2' },
      now: { type: 'string' }, // for tests and replays: the time the job takes as now
    },
  });
  noArguments(positionals, DIGEST_HELP);
  const grace = wholeNumberOption('--grace-minutes', values['grace-minutes']);
  const lookback = wholeNumberOption('--lookback-days', values['lookback-days']);
  const now = values.now ? new Date(values.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now "${values.now}" is not a time`);
  let privateKey;
  try {
    privateKey = loadSigningKey(values['private-key'], process.env.SECRETS_DIR?.trim() || DEFAULT_SECRETS_DIR);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const storage = await archiveFromEnv(process.env);
  const eventTypes = values.event ? [eventTypeOption(values.event)] : [...EVENT_TYPES.values()];
  const written = await writeDigests({
    storage,
    eventTypes,
    privateKey,
    now,
    graceMinutes: grace,
    lookbackDays: lookback,
  });
  for (const d of written) out.write(`${d.kind}\t${d.hourStart}\t${d.objects} objects\t${d.key}\n`);
  if (written.length === 0) out.write('digests are up to date\n');
  return 0;
}
