import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './receiver-process.js';

const cli = join(repoRoot, 'bin/audit-archive.js');

/** Runs `audit-archive` as a user would, with only PATH and the given environment. */
export function runCli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
