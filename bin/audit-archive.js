#!/usr/bin/env node
// The audit-archive CLI: a thin launcher for the compiled core in audit-receiver/dist.
import { existsSync } from 'node:fs';

const entry = new URL('../audit-receiver/dist/src/cli/audit-archive.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('audit-archive: not built yet; run `npm ci` (or `npm run build`) in the repository first');
  process.exit(1);
}
// A reader that stops early (`| head`) is not an error; a full disk is, said in one line.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  console.error(`audit-archive: cannot write the output: ${err.code ?? err.message}`);
  process.exit(1);
});
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
