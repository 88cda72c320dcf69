import { describeError } from '../errors.js';
import { digestCommand, DIGEST_HELP } from './digest.js';
import { exportCommand, EXPORT_HELP } from './export.js';
import { ls, LS_HELP } from './ls.js';
import { send, SEND_HELP } from './send.js';
import { verifyCommand, VERIFY_HELP } from './verify.js';
import { UsageError } from './usage-error.js';

const HELP = `Usage: audit-archive <command> [options]

Commands:
  ls      list the archive's day partitions with object and event counts and bytes
  export  stream archived events of a date range in event-time order, as NDJSON or CSV
  digest  write the signed hourly digests (tamper evidence) up to the last closed hour
  verify  check the digest chain and every object it lists; offline from a local copy too
  send    sign and POST a batch to a receiver, as OpenFaaS does

Run "audit-archive <command> --help" for a command's options.`;

const commands: Record<string, { run: (argv: string[], out: NodeJS.WritableStream) => Promise<number>; help: string }> =
  {
    ls: { run: ls, help: LS_HELP },
    export: { run: exportCommand, help: EXPORT_HELP },
    digest: { run: digestCommand, help: DIGEST_HELP },
    verify: { run: verifyCommand, help: VERIFY_HELP },
    send: { run: send, help: SEND_HELP },
  };

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`audit-archive: unknown command "${name}"\n\n${HELP}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, process.stdout);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const help = err instanceof UsageError ? err.help : command.help;
      // parseArgs adds advice about positional arguments that does not apply to these commands.
      const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '.');
      process.stderr.write(`audit-archive ${name}: ${message}\n${help ? `\n${help}\n` : ''}`);
      return 2;
    }
    // Anything else is the archive failing us (no access, no bucket, network): say so, exit 1.
    process.stderr.write(`audit-archive ${name}: ${describeError(err)}\n`);
    return 1;
  }
}
