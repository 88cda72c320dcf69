// The archive used in place by tools no one here wrote: synced with the AWS CLI (Debian's awscli) and
// queried by DuckDB with Hive partitioning, it gives the same events as `audit-archive export`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { S3Storage } from '../audit-receiver/src/storage/s3-storage.js';
import { runCli } from './helpers/cli.js';
import {
  awsCli,
  awsCliEnv,
  createTestBucket,
  deleteTestBucket,
  s3ArchiveConfig,
  s3Settings,
  s3Test,
  testS3Client,
} from './helpers/s3.js';
import { seedArchive, type SeededEvent } from './helpers/seed-archive.js';

describe('the archive read by the AWS CLI and DuckDB', () => {
  const client = testS3Client();
  let bucket = '';
  let prefix = '';
  let seeded: SeededEvent[];
  let synced = '';
  let cliEnv: Record<string, string>;

  before(async () => {
    assert.ok(existsSync(awsCli), `${awsCli} is missing: apt-get install awscli (or set AWS_CLI)`);
    bucket = await createTestBucket(client, 'consumers');
    prefix = `audit-${randomBytes(3).toString('hex')}`;
    seeded = await seedArchive(new S3Storage(s3ArchiveConfig(bucket, `${prefix}/`)));
    synced = mkdtempSync(join(tmpdir(), 'synced-'));
    execFileSync(
      awsCli,
      [
        's3',
        'sync',
        `s3://${bucket}/${prefix}`,
        synced,
        '--endpoint-url',
        s3Test.endpoint,
        '--no-progress',
        '--only-show-errors',
      ],
      {
        env: awsCliEnv(synced),
        stdio: 'pipe',
      },
    );
    cliEnv = s3Settings(`s3://${bucket}/${prefix}`);
  });
  after(async () => {
    if (bucket) await deleteTestBucket(client, bucket);
  });

  async function query(sql: string): Promise<Record<string, unknown>[]> {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
    }
  }

  it('gives DuckDB, over the synced copy with Hive partitioning, the same events as export', async () => {
    const rows = await query(
      `SELECT json, year, month, day FROM read_json_objects('${synced}/api_access/*/*/*/*.ndjson', format = 'newline_delimited', hive_partitioning = true)`,
    );
    const exported = await runCli(cliEnv, 'export', '--from', '2026-11-30', '--to', '2026-12-02');
    assert.equal(exported.status, 0, exported.stderr);
    const exportedEvents = exported.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const canonical = (events: Record<string, unknown>[]) => events.map((e) => JSON.stringify(e)).sort();
    assert.equal(rows.length, seeded.length);
    assert.deepEqual(
      canonical(rows.map((r) => JSON.parse(String(r.json)) as Record<string, unknown>)),
      canonical(exportedEvents),
    );
    // The Hive partition columns are the event's own UTC date.
    for (const row of rows) {
      const time = String((JSON.parse(String(row.json)) as { time: string }).time);
      const utc = new Date(Date.parse(time)).toISOString().slice(0, 10);
      assert.equal(`${row.year}-${String(row.month).padStart(2, '0')}-${String(row.day).padStart(2, '0')}`, utc, time);
    }
  });

  it('answers a DuckDB count of actions per actor for one day, partition-pruned', async () => {
    const rows = await query(`
      SELECT coalesce(actor.sub, '(none)') AS actor, count(*) AS actions
      FROM (
        SELECT actor, unnest(actions) AS action
        FROM read_json('${synced}/api_access/*/*/*/*.ndjson', format = 'newline_delimited', hive_partitioning = true)
        WHERE year = 2026 AND month = 12 AND day = 1
      )
      GROUP BY ALL ORDER BY actor`);
    const expected = new Map<string, number>();
    for (const s of seeded) {
      if (new Date(Number(s.ns / 1_000_000n)).toISOString().slice(0, 10) !== '2026-12-01') continue;
      const actor = (s.event.actor as { sub?: string } | undefined)?.sub ?? '(none)';
      expected.set(actor, (expected.get(actor) ?? 0) + (s.event.actions as string[]).length);
    }
    assert.deepEqual(
      rows.map((r) => [r.actor, Number(r.actions)]),
      [...expected].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  });
});
