import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const templateServer = join(repoRoot, 'template/node20/index.js');
export const builtHandler = join(repoRoot, 'audit-receiver/dist/handler.js');

export interface RunningServer {
  url: string;
  pid: number;
  output(): string;
  /** Resolves once the server's output matches (its log lines reach us a little after its answers). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the node20 template server with plain node, as of-watchdog does in the image, on a free port.
 * Only PATH and the given variables reach it, so nothing from the developer's shell leaks in.
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  // TEMPLATE_SERVER runs another copy of the template server (the image layout test's); NODE_ARGS are
  // node's own flags (e.g. --cpu-prof, which NODE_OPTIONS does not take). The image runs plain
  // `node index.js` (the image build test pins that), as this does without NODE_ARGS.
  const { TEMPLATE_SERVER: server = templateServer, NODE_ARGS, ...rest } = env;
  const child = spawn(process.execPath, [...(NODE_ARGS ? NODE_ARGS.split(' ') : []), server], {
    env: { PATH: process.env.PATH ?? '', http_port: '0', http_host: '127.0.0.1', ...rest },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 15 s:\n${output}`)), 15_000);
    const onData = () => {
      const m = /listening on [^\s]*:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const waitForOutput = async (pattern: RegExp, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (Date.now() > deadline) throw new Error(`server output never matched ${pattern}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid ?? 0,
    output: () => output,
    waitForOutput,
    stop: () => stopChild(child),
  };
}

/** Starts the template server expecting it to refuse to start; resolves with its exit code and output. */
export async function startServerExpectingExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [templateServer], {
    env: { PATH: process.env.PATH ?? '', http_port: '0', http_host: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server kept running:\n${output}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A secrets directory as OpenFaaS mounts it, with a webhook secret written like `openssl rand -base64 32 > file`. */
export function secretsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'receiver-secrets-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
  return dir;
}

/** The receiver's environment: the built handler on the template, with RAW_BODY as stack.yml sets it. */
export function receiverEnv(settings: Record<string, string>): Record<string, string> {
  return { HANDLER_PATH: builtHandler, RAW_BODY: 'true', ...settings };
}

export async function post(
  url: string,
  delivery: { method?: string; headers: Record<string, string>; body?: Buffer },
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> | undefined; text: string }> {
  const response = await fetch(url, {
    method: delivery.method ?? 'POST',
    headers: delivery.headers,
    ...(delivery.body !== undefined && delivery.method !== 'GET' && delivery.method !== 'HEAD'
      ? { body: delivery.body }
      : {}),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** A loopback port with nothing listening on it (connections are refused at once). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
