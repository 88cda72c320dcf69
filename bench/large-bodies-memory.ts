// Peak RSS of the receiver (the template server process, as in the image) while it takes many large
// deliveries at once. Prints one JSON line per scenario. Run: npx tsx bench/large-bodies-memory.ts
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signBody } from '../audit-receiver/src/verify-signature.js';
import { post, receiverEnv, secretsDir, startServer } from '../test/helpers/receiver-process.js';
import { createTestBucket, deleteTestBucket, s3Settings, testS3Client } from '../test/helpers/s3.js';

const SECRET = 'bench-secret';

/** A signed api_access batch of about `bytes` bytes (distinct per `seed`, so each is its own object). */
export function batchOfSize(bytes: number, seed: number): Buffer {
  const event = (i: number) =>
    JSON.stringify({
      actor: { sub: `user-${seed}-${i}`, issuer: 'https://gw.example.test' },
      path: `/system/functions/${'f'.repeat(120)}`,
      method: 'POST',
      actions: ['Function:Create'],
      response_code: 202,
      time: `2026-12-0${1 + (i % 2)}T10:00:00.${String(i).padStart(9, '0')}Z`,
    });
  const one = event(0).length + 1;
  const count = Math.max(1, Math.floor(bytes / one));
  return Buffer.from(`[${Array.from({ length: count }, (_, i) => event(i)).join(',')}]`);
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

export async function scenario(
  name: string,
  concurrency: number,
  bodyBytes: number,
  rounds: number,
  extraEnv: Record<string, string> = {},
) {
  const archive = mkdtempSync(join(existsShm() ? '/dev/shm' : tmpdir(), 'bench-archive-'));
  const server = await startServer(
    receiverEnv({
      ARCHIVE_URL: `file:${archive}`,
      SECRETS_DIR: secretsDir({ 'webhook-secret': SECRET }),
      MAX_RAW_SIZE: '5mb',
      ...extraEnv,
    }),
  );
  const pid = server.pid;
  const idle = rssOf(pid).rss;
  const statuses = new Map<number, number>();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid).rss)), 5);
  const bodies = Array.from({ length: concurrency }, (_, i) => batchOfSize(bodyBytes, i));
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    const answers = await Promise.all(
      bodies.map(
        (body) =>
          post(server.url, {
            headers: { 'x-openfaas-event': 'api_access', 'x-openfaas-signature-256': signBody(body, SECRET) },
            body,
          }).catch(() => ({ status: 0 })), // 0: the server cut the connection (413 stops reading a body over the limit)
      ),
    );
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  const { hwm } = rssOf(pid);
  await server.stop();
  rmSync(archive, { recursive: true, force: true });
  const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
  const result = {
    scenario: name,
    concurrency,
    body_mib: mb(bodies[0]?.length ?? 0),
    rounds,
    statuses: Object.fromEntries(statuses),
    idle_rss_mib: mb(idle),
    peak_rss_mib: mb(Math.max(peak, hwm)),
    ms: Math.round(ms),
  };
  console.log(JSON.stringify(result));
  return result;
}

function existsShm(): boolean {
  try {
    readFileSync('/dev/shm/.', 'utf8');
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EISDIR';
  }
}

/** The memory scenarios as a BENCHMARKS.md section. */
export async function memorySection(): Promise<string> {
  const client = testS3Client();
  const bucket = await createTestBucket(client, 'memory');
  const intoCeph = s3Settings(`s3://${bucket}/memory/`, { 'webhook-secret': SECRET });
  const results = [
    await scenario('32 concurrent 1 MiB batches', 32, 1 * 2 ** 20, 3),
    await scenario('32 concurrent 1 MiB batches into Ceph', 32, 1 * 2 ** 20, 3, intoCeph),
    await scenario('32 concurrent ~5 MiB batches', 32, 4.9 * 2 ** 20, 2),
    await scenario('64 concurrent ~5 MiB batches, max_inflight=16', 64, 4.9 * 2 ** 20, 2, { max_inflight: '16' }),
    await scenario('64 concurrent 6 MiB bodies over the limit (413)', 64, 6 * 2 ** 20, 2),
  ];
  await deleteTestBucket(client, bucket).catch(() => undefined);
  const p4 = Math.max(...results.slice(0, 2).map((r) => r.peak_rss_mib));
  return [
    '## Receiver memory under concurrent large bodies (P4 target: peak ≤ 150 MB with 32 concurrent 1 MiB batches)',
    '',
    'Peak RSS of the template server process, started as the image starts it',
    '(`node index.js`, defaults `MAX_BODIES_IN_MEMORY=4mb`, `GC_EVERY=16mb`), sampled every 5 ms and from',
    'VmHWM. File archive on tmpfs unless the row says Ceph.',
    '',
    '| load | answers | idle RSS (MiB) | peak RSS (MiB) | time (ms) |',
    '| --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.scenario}, ${r.rounds} rounds | ${Object.entries(r.statuses)
          .map(([status, n]) => `${n} × ${status === '0' ? 'cut' : status}`)
          .join(', ')} | ${r.idle_rss_mib} | ${r.peak_rss_mib} | ${r.ms} |`,
    ),
    '',
    `**P4 peak = ${p4} MiB** with 32 concurrent 1 MiB batches (the higher of the file and Ceph rows).`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await memorySection());
