// `audit-archive ls` and `export`, run as an auditor runs them, against a seeded archive on Ceph and on disk.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStorage } from '../audit-receiver/src/storage/file-storage.js';
import { S3Storage } from '../audit-receiver/src/storage/s3-storage.js';
import { spawn } from 'node:child_process';
import { runCli } from './helpers/cli.js';
import { repoRoot, secretsDir } from './helpers/receiver-process.js';
import { createTestBucket, deleteTestBucket, s3ArchiveConfig, s3Settings, s3Test, testS3Client } from './helpers/s3.js';
import { seedArchive, type SeededEvent } from './helpers/seed-archive.js';

const lines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const withoutReceipt = ({ _receipt, ...event }: Record<string, unknown>) => event;
const dayOf = (s: SeededEvent) => new Date(Number(s.ns / 1_000_000n)).toISOString().slice(0, 10);
const byTime = (a: SeededEvent, b: SeededEvent) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0);

interface Archive {
  name: string;
  setup(): Promise<{ env: Record<string, string>; seeded: SeededEvent[] }>;
  teardown(): Promise<void>;
}

const archives: Archive[] = [
  {
    name: 'file archive',
    async setup() {
      const root = mkdtempSync(join(tmpdir(), 'export-archive-'));
      return { env: { ARCHIVE_URL: `file:${root}` }, seeded: await seedArchive(new FileStorage(root)) };
    },
    async teardown() {},
  },
  (() => {
    const client = testS3Client();
    let bucket = '';
    return {
      name: 's3 archive (Ceph RGW)',
      async setup() {
        bucket = await createTestBucket(client, 'export');
        const prefix = `audit-${randomBytes(3).toString('hex')}/`;
        const seeded = await seedArchive(new S3Storage(s3ArchiveConfig(bucket, prefix)));
        const env = s3Settings(`s3://${bucket}/${prefix}`);
        return { env, seeded };
      },
      async teardown() {
        if (bucket) await deleteTestBucket(client, bucket);
      },
    };
  })(),
];

for (const archive of archives) {
  describe(`audit-archive export and ls, ${archive.name}`, () => {
    let env: Record<string, string>;
    let seeded: SeededEvent[];
    before(async () => ({ env, seeded } = await archive.setup()));
    after(() => archive.teardown());

    it('exports every event of the range exactly as archived, in event-time order to the nanosecond', async () => {
      const result = await runCli(env, 'export', '--from', '2026-11-30', '--to', '2026-12-02');
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '', 'no progress output when stderr is not a terminal');
      const exported = lines(result.stdout);
      const expected = [...seeded].sort(byTime);
      assert.equal(exported.length, expected.length);
      assert.deepEqual(
        exported.map(withoutReceipt),
        expected.map((s) => s.event),
      );
      assert.deepEqual(
        exported.map((e) => (e._receipt as { delivery_id: string }).delivery_id),
        expected.map((s) => s.deliveryId),
      );
    });

    it('includes both ends of the range and nothing outside it (UTC days)', async () => {
      const result = await runCli(env, 'export', '--from', '2026-12-01', '--to', '2026-12-01');
      assert.equal(result.status, 0, result.stderr);
      const expected = seeded.filter((s) => dayOf(s) === '2026-12-01').sort(byTime);
      assert.ok(expected.length > 10);
      assert.deepEqual(
        lines(result.stdout).map(withoutReceipt),
        expected.map((s) => s.event),
      );
    });

    const filters: [string[], (e: Record<string, unknown>) => boolean][] = [
      [['--actor', 'alice'], (e) => (e.actor as { sub?: string } | undefined)?.sub === 'alice'],
      [['--action', 'Secret:Read'], (e) => (e.actions as string[]).includes('Secret:Read')],
      [['--path', '/seed/1'], (e) => String(e.path).startsWith('/seed/1')],
      [['--method', 'delete'], (e) => e.method === 'DELETE'],
      [['--status', '4xx'], (e) => Number(e.response_code) >= 400 && Number(e.response_code) < 500],
      [['--status', '503'], (e) => e.response_code === 503],
      [
        ['--actor', 'bob', '--status', '2xx'],
        (e) =>
          (e.actor as { sub?: string } | undefined)?.sub === 'bob' && Math.floor(Number(e.response_code) / 100) === 2,
      ],
    ];
    for (const [args, keep] of filters) {
      it(`filters with ${args.join(' ')}`, async () => {
        const result = await runCli(env, 'export', '--from', '2026-11-30', '--to', '2026-12-02', ...args);
        assert.equal(result.status, 0, result.stderr);
        const expected = seeded.filter((s) => keep(s.event)).sort(byTime);
        assert.ok(expected.length > 0, 'the seed has matching events');
        assert.deepEqual(
          lines(result.stdout).map(withoutReceipt),
          expected.map((s) => s.event),
        );
      });
    }

    it('writes CSV with the documented columns, flattening actor and actions', async () => {
      const result = await runCli(
        env,
        'export',
        '--from',
        '2026-11-30',
        '--to',
        '2026-12-02',
        '--format',
        'csv',
        '--actor',
        'alice',
      );
      assert.equal(result.status, 0, result.stderr);
      const rows = result.stdout.split('\r\n').filter(Boolean);
      assert.equal(
        rows[0],
        'time,actor_sub,actor_name,actor_issuer,actor_fed_issuer,method,path,response_code,actions,delivery_id,received_at',
      );
      const first = seeded
        .filter((s) => (s.event.actor as { sub?: string } | undefined)?.sub === 'alice')
        .sort(byTime)[0] as SeededEvent;
      const e = first.event;
      assert.equal(
        rows[1],
        `${e.time},alice,Alice,,,${e.method},${e.path},${e.response_code},${(e.actions as string[]).join(';')},${first.deliveryId},2026-12-03T12:00:00.000Z`,
      );
      assert.equal(
        rows.length - 1,
        seeded.filter((s) => (s.event.actor as { sub?: string } | undefined)?.sub === 'alice').length,
      );
    });

    it('exports function_usage events ordered by started', async () => {
      const result = await runCli(
        env,
        'export',
        '--from',
        '2026-12-01',
        '--to',
        '2026-12-01',
        '--event',
        'function_usage',
      );
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(
        lines(result.stdout).map((e) => e.function_name),
        ['a', 'b'],
      );
    });

    it('writes --out FILE completely, with the same bytes as stdout', async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'export-out-')), 'events.ndjson');
      const toFile = await runCli(env, 'export', '--from', '2026-11-30', '--to', '2026-12-02', '--out', out);
      assert.equal(toFile.status, 0, toFile.stderr);
      assert.equal(toFile.stdout, '');
      const toStdout = await runCli(env, 'export', '--from', '2026-11-30', '--to', '2026-12-02');
      assert.equal(readFileSync(out, 'utf8'), toStdout.stdout);
    });

    it('lists partitions with object and event counts and bytes', async () => {
      const result = await runCli(env, 'ls');
      assert.equal(result.status, 0, result.stderr);
      const rows = result.stdout
        .trim()
        .split('\n')
        .map((r) => r.trim().split(/\s+/));
      assert.deepEqual(rows[0], ['partition', 'objects', 'events', 'bytes']);
      for (const day of ['2026-11-30', '2026-12-01', '2026-12-02']) {
        const [y, m, d] = day.split('-');
        const row = rows.find((r) => r[0] === `api_access/year=${y}/month=${m}/day=${d}`);
        assert.ok(row, `a row for ${day}`);
        assert.equal(Number(row[2]), seeded.filter((s) => dayOf(s) === day).length);
        assert.ok(Number(row[1]) > 0 && Number(row[3]) > 0);
      }
      assert.deepEqual(rows.at(-1)?.slice(0, 3), [
        'total',
        rows
          .slice(1, -1)
          .reduce((n, r) => n + Number(r[1]), 0)
          .toString(),
        String(seeded.length),
      ]);
      const ranged = await runCli(env, 'ls', '--from', '2026-12-02', '--event', 'api_access');
      assert.equal(ranged.stdout.trim().split('\n').length, 3, 'header, one day, total');
    });
  });
}

describe('audit-archive export errors', () => {
  const env = { ARCHIVE_URL: `file:${mkdtempSync(join(tmpdir(), 'empty-'))}` };
  const usage: [string[], RegExp][] = [
    [['export', '--from', '2026-12-01'], /--from and --to are required/],
    [['export', '--from', '2026-02-30', '--to', '2026-03-01'], /--from "2026-02-30" is not a date like 2026-12-01/],
    [['export', '--from', '2026-12-02', '--to', '2026-12-01'], /--from is after --to/],
    [['export', '--from', '2026-12-01', '--to', '2026-12-01', '--status', '4x'], /--status "4x"/],
    [['export', '--from', '2026-12-01', '--to', '2026-12-01', '--format', 'xml'], /--format must be ndjson or csv/],
    [
      ['export', '--from', '2026-12-01', '--to', '2026-12-01', '--event', 'function_usage', '--actor', 'a'],
      /apply to api_access events only/,
    ],
    [['ls', '--event', 'nope'], /--event must be one of api_access, function_usage/],
  ];
  for (const [args, message] of usage) {
    it(`exits 2 with a clear message for: ${args.join(' ')}`, async () => {
      const result = await runCli(env, ...args);
      assert.equal(result.status, 2);
      assert.match(result.stderr, message);
    });
  }

  it('exits 2 naming ARCHIVE_URL when it is not set', async () => {
    const result = await runCli({}, 'ls');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /ARCHIVE_URL: not set/);
  });

  it('exits 1 with the S3 error when the archive cannot be read', async () => {
    const result = await runCli(
      {
        ARCHIVE_URL: 's3://no-such-bucket-for-audit/x',
        S3_ENDPOINT: s3Test.endpoint,
        SECRETS_DIR: secretsDir({ 's3-access-key-id': 'wrong', 's3-secret-access-key': 'wrong' }),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      'export',
      '--from',
      '2026-12-01',
      '--to',
      '2026-12-01',
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^audit-archive export: .*(InvalidAccessKeyId|AccessDenied|NoSuchBucket)/);
  });

  it('exits 1 naming the directory when a file archive does not exist (not an empty result)', async () => {
    const result = await runCli({ ARCHIVE_URL: 'file:/tmp/no-such-archive-dir' }, 'ls');
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /^audit-archive ls: the archive directory \/tmp\/no-such-archive-dir does not exist\n$/,
    );
  });

  it('exits 1 with one line, no stack trace, when --out cannot be written', async () => {
    const result = await runCli(
      env,
      'export',
      '--from',
      '2026-12-01',
      '--to',
      '2026-12-01',
      '--out',
      '/tmp/no-such-dir/x.ndjson',
    );
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /^audit-archive export: ENOENT: no such file or directory, open '\/tmp\/no-such-dir\/x\.ndjson\.part'\n$/,
    );
  });

  it('stops quietly, exit 0, when its reader goes away (| head -1)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pipe-archive-'));
    await seedArchive(new FileStorage(root));
    // Like `| head -c 10`: read a little, then close the pipe while the CLI is still writing.
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin/audit-archive.js'), 'export', '--from', '2026-11-30', '--to', '2026-12-02'],
      {
        env: { PATH: process.env.PATH ?? '', ARCHIVE_URL: `file:${root}` },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.equal(stderr, '');
  });

  it('exports nothing, successfully, for a range with no partitions', async () => {
    const result = await runCli(env, 'export', '--from', '2020-01-01', '--to', '2020-01-31');
    assert.equal(result.status, 0);
    assert.equal(result.stdout, '');
  });
});
