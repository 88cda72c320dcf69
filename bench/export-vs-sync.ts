// `audit-archive export` of a day of 10,000 objects against `aws s3 sync` of the same prefix, from the same
// Ceph gateway in the same run: the export does strictly more (parse, filter, sort, write one stream), so
// the ratio says what that costs over plain copying.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Storage } from '../audit-receiver/src/storage/s3-storage.js';
import { repoRoot } from '../test/helpers/receiver-process.js';
import {
  awsCli,
  awsCliEnv,
  createTestBucket,
  deleteTestBucket,
  s3ArchiveConfig,
  s3Settings,
  s3Test,
  testS3Client,
} from '../test/helpers/s3.js';

export interface Timing {
  name: string;
  runsMs: number[];
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export async function exportVsSync(objects = 10_000, runs = 3): Promise<string> {
  const client = testS3Client();
  const bucket = await createTestBucket(client, 'bench');
  const prefix = `bench-${randomBytes(3).toString('hex')}/`;
  try {
    const storage = new S3Storage(s3ArchiveConfig(bucket, prefix));
    const dayPrefix = 'api_access/year=2026/month=12/day=01/';
    let eventCount = 0;
    for (let i = 0; i < objects; i += 64) {
      await Promise.all(
        Array.from({ length: Math.min(64, objects - i) }, (_, j) => {
          const n = i + j;
          const lines = [0, 1].map(
            (k) =>
              `{"actor":{"sub":"user-${n % 50}"},"path":"/system/functions/f-${n}","method":"POST","actions":["Function:Create"],"response_code":202,"time":"2026-12-01T${String(Math.floor((n * 7) % 24)).padStart(2, '0')}:${String((n * 13) % 60).padStart(2, '0')}:00.${String(n * 2 + k).padStart(9, '0')}Z","_receipt":{"delivery_id":"d-${n}","received_at":"2026-12-01T12:00:00.000Z"}}\n`,
          );
          eventCount += lines.length;
          return storage.put(`${dayPrefix}${randomBytes(16).toString('hex')}.ndjson`, Buffer.from(lines.join('')));
        }),
      );
    }
    const cliEnv = { PATH: process.env.PATH ?? '', ...s3Settings(`s3://${bucket}/${prefix}`) };
    const awsEnv = awsCliEnv(tmpdir());
    const exportRuns: number[] = [];
    const syncRuns: number[] = [];
    let exported = 0;
    for (let r = 0; r < runs; r++) {
      // Alternate the two so drift in the machine's load falls on both.
      const out = join(mkdtempSync(join(tmpdir(), 'bench-export-')), 'day.ndjson');
      let t = performance.now();
      const result = spawnSync(
        process.execPath,
        [join(repoRoot, 'bin/audit-archive.js'), 'export', '--from', '2026-12-01', '--to', '2026-12-01', '--out', out],
        { env: cliEnv, encoding: 'utf8' },
      );
      exportRuns.push(performance.now() - t);
      if (result.status !== 0) throw new Error(`export failed: ${result.stderr}`);
      exported = Number(execFileSync('wc', ['-l', out]).toString().trim().split(' ')[0]);
      const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
      t = performance.now();
      execFileSync(
        awsCli,
        [
          's3',
          'sync',
          `s3://${bucket}/${prefix}${dayPrefix}`,
          dir,
          '--endpoint-url',
          s3Test.endpoint,
          '--only-show-errors',
          '--no-progress',
        ],
        { env: awsEnv, stdio: 'pipe' },
      );
      syncRuns.push(performance.now() - t);
      rmSync(dir, { recursive: true, force: true });
    }
    if (exported !== eventCount) throw new Error(`export wrote ${exported} events, expected ${eventCount}`);
    const ratio = median(exportRuns) / median(syncRuns);
    const awsVersion = execFileSync(awsCli, ['--version'], { env: awsEnv }).toString().trim().split(' ')[0];
    return [
      '## Export against `aws s3 sync`',
      '',
      `One day partition of ${objects.toLocaleString('en')} objects (${eventCount.toLocaleString('en')} events) in Ceph RGW on loopback.`,
      '`audit-archive export --from 2026-12-01 --to 2026-12-01 --out FILE` (list, fetch 16 at a time, parse, sort to the',
      `nanosecond, write one file) against \`${awsVersion} s3 sync\` of the same prefix to a directory, alternated, ${runs} runs each.`,
      '',
      '| | runs (ms) | median (ms) |',
      '| --- | --- | --- |',
      `| export | ${exportRuns.map((x) => Math.round(x)).join(', ')} | ${Math.round(median(exportRuns))} |`,
      `| aws s3 sync | ${syncRuns.map((x) => Math.round(x)).join(', ')} | ${Math.round(median(syncRuns))} |`,
      '',
      `**export / sync = ${ratio.toFixed(2)}** (median over median; below 1 means export is faster).`,
      '',
    ].join('\n');
  } finally {
    await deleteTestBucket(client, bucket);
  }
}
