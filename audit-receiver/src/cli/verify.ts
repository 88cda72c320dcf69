import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parsePublicKey } from '../digest/signing-key.js';
import { verifyDigests } from '../digest/verify-digests.js';
import { EVENT_TYPES } from '../event-types.js';
import { ConfigError } from '../errors.js';
import { FileStorage } from '../storage/file-storage.js';
import {
  ARCHIVE_ENV_HELP,
  archiveFromEnv,
  assertDirectory,
  eventTypeOption,
  requiredRange,
  wholeNumberOption,
} from './archive-options.js';
import { UsageError, noArguments } from './usage-error.js';

export const VERIFY_HELP = `Usage: audit-archive verify --from DATE --to DATE --public-key FILE [--public-key FILE…]
         [--offline DIR] [--event TYPE] [--lookback-days N]

Walks the digest chain of the days from --from to --to and checks, offline if you like, that nothing was
deleted, altered or added after the fact. One line per digest and per object:

  OK | MISSING | ALTERED | UNLISTED | BAD_SIGNATURE | BROKEN_CHAIN   digest|object   KEY   detail

  --public-key FILE   an Ed25519 public key, PEM; give every key that signed in the range (rotation)
  --offline DIR       read a local copy (e.g. made with aws s3 sync of the archive's prefix) instead of
                      ARCHIVE_URL
  --lookback-days N   days after --to whose digests may list the range's late objects (default 2)

${ARCHIVE_ENV_HELP}

Exit status: 0 when every line is OK; 1 when anything is missing, altered, unlisted, badly signed or
the chain is broken (or the archive cannot be read); 2 for bad usage.`;

export async function verifyCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      'public-key': { type: 'string', multiple: true },
      offline: { type: 'string' },
      event: { type: 'string' },
      'lookback-days': { type: 'string', default: '2' },
    },
  });
  noArguments(positionals, VERIFY_HELP);
  if (!values['public-key']?.length) throw new UsageError('--public-key is required', VERIFY_HELP);
  const { from, to } = requiredRange(values.from, values.to, VERIFY_HELP);
  const lookback = wholeNumberOption('--lookback-days', values['lookback-days']);
  const publicKeys = values['public-key'].map((file) => {
    try {
      return parsePublicKey(readFileSync(file), file);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw new UsageError(`cannot read --public-key ${file}: ${(err as NodeJS.ErrnoException).code}`);
    }
  });
  if (values.offline) assertDirectory(values.offline);
  const storage = values.offline ? new FileStorage(values.offline) : await archiveFromEnv(process.env);
  const eventTypes = values.event ? [eventTypeOption(values.event)] : [...EVENT_TYPES.values()];
  const findings = await verifyDigests({ storage, eventTypes, from, to, publicKeys, lookbackDays: lookback });
  const counts = new Map<string, number>();
  for (const f of findings) {
    out.write(`${f.verdict.toUpperCase()}\t${f.subject}\t${f.key}\t${f.detail}\n`);
    counts.set(f.verdict, (counts.get(f.verdict) ?? 0) + 1);
  }
  const problems = findings.filter((f) => f.verdict !== 'ok').length;
  const digests = findings.filter((f) => f.subject === 'digest').length;
  process.stderr.write(
    `audit-archive verify: ${digests === 0 ? 'no digests in the range; ' : ''}${[...counts].map(([v, n]) => `${n} ${v}`).join(', ') || 'nothing to verify'}\n`,
  );
  return problems === 0 && digests > 0 ? 0 : 1;
}
