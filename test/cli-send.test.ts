// `audit-archive send`, run as a user runs it, against the receiver on the template server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixturePath } from '../audit-receiver/test/helpers/signed-delivery.js';
import {
  closedPort,
  receiverEnv,
  repoRoot,
  secretsDir,
  startServer,
  type RunningServer,
} from './helpers/receiver-process.js';

const cli = join(repoRoot, 'bin/audit-archive.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

function archivedFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).filter((p) => p.endsWith('.ndjson')).sort();
}

describe('audit-archive send', () => {
  let server: RunningServer;
  let archive: string;
  let secretFile: string;
  before(async () => {
    archive = mkdtempSync(join(tmpdir(), 'cli-archive-'));
    const secrets = secretsDir({ 'webhook-secret': 'cli-secret\n' });
    secretFile = join(secrets, 'webhook-secret');
    server = await startServer(receiverEnv({ ARCHIVE_URL: `file:${archive}`, SECRETS_DIR: secrets }));
  });
  after(() => server.stop());

  it("signs and sends the built-in sample, which lands in today's partition", () => {
    const result = run('send', '--url', server.url, '--secret-file', secretFile, '--delivery', 'cli-sample-1');
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^HTTP 200 OK \(delivery cli-sample-1\)/);
    const today = new Date().toISOString().slice(0, 10).split('-');
    const key = (JSON.parse(result.stdout.split('\n')[1] ?? '{}') as { objects: string[] }).objects[0] ?? '';
    const files = archivedFiles(archive).filter((f) => f === key);
    assert.deepEqual(
      files.map((f) => f.replace(/[^/]+$/, '')),
      [`api_access/year=${today[0]}/month=${today[1]}/day=${today[2]}/`],
    );
  });

  it('sends a batch file and a function_usage batch', () => {
    const api = run('send', '--url', server.url, '--secret-file', secretFile, fixturePath('api_access-batch.json'));
    assert.equal(api.status, 0, api.stdout);
    const usage = run(
      'send',
      '--url',
      server.url,
      '--secret-file',
      secretFile,
      '--event',
      'function_usage',
      fixturePath('function_usage-batch.json'),
    );
    assert.equal(usage.status, 0, usage.stdout);
    assert.ok(archivedFiles(archive).some((f) => f.startsWith('function_usage/year=2026/month=12/day=01/')));
  });

  it('exits 1 and prints the 401 when the secret is wrong', () => {
    const wrong = join(mkdtempSync(join(tmpdir(), 'cli-')), 'secret');
    writeFileSync(wrong, 'not-the-secret\n');
    const result = run('send', '--url', server.url, '--secret-file', wrong);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /^HTTP 401/);
  });

  it('exits 1 with a clear message when nothing answers', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/`;
    const result = run('send', '--url', url, '--secret-file', secretFile);
    assert.equal(result.status, 1);
    assert.ok(result.stdout.startsWith(`no answer from ${url}: `), result.stdout);
    assert.match(result.stdout, /ECONNREFUSED/);
  });

  it('exits 2 with the usage for missing options or an unreadable file', () => {
    for (const args of [
      ['send'],
      ['send', '--url', server.url],
      ['send', '--url', 'x', '--secret-file', secretFile],
      ['send', '--url', server.url, '--secret-file', '/nonexistent'],
      ['nonsense'],
    ]) {
      const result = run(...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, /audit-archive/);
    }
  });
});
