// Runs the receiver locally through the project's node20 template server, as of-watchdog would.
//   node scripts/serve.js          `npm start`: receiver settings only from the environment
//   node scripts/serve.js --dev    `npm run dev`: file:./data archive and a generated dev secret
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dev = process.argv.includes('--dev');

// Wiring, not receiver configuration: where the handler is, and the template settings the receiver
// needs (the exact body bytes, to verify signatures).
process.env.HANDLER_PATH ||= join(root, 'audit-receiver/dist/handler.js');
process.env.RAW_BODY = 'true';
process.env.http_port ||= process.env.PORT || '8080';
process.env.http_host ||= process.env.HOST || '127.0.0.1';

if (!existsSync(process.env.HANDLER_PATH)) {
  console.error(`The receiver is not built (${process.env.HANDLER_PATH} is missing): run npm ci, or npm run build.`);
  process.exit(1);
}

if (dev) {
  const secretsDir = join(root, '.dev', 'secrets');
  const secretFile = join(secretsDir, 'webhook-secret');
  if (!existsSync(secretFile)) {
    mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    // Same shape as `openssl rand -base64 32 > file`, trailing newline included.
    writeFileSync(secretFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  process.env.SECRETS_DIR = secretsDir;
  process.env.ARCHIVE_URL = `file:${join(root, 'data')}`;
  const url = `http://${process.env.http_host}:${process.env.http_port}/`;
  console.log(
    [
      '',
      `audit-receiver (dev): archive file:./data, secret ${relative(process.cwd(), secretFile)}`,
      'Send a signed sample delivery from another terminal with:',
      '',
      `  npx audit-archive send --url ${url} --secret-file ${relative(process.cwd(), secretFile)}`,
      '',
    ].join('\n'),
  );
}

await import('../template/node20/index.js');
