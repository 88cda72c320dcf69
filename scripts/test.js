// `npm test`: every test, the S3 ones included, against S3_TEST_ENDPOINT or a local Ceph gateway it
// starts (and stops afterwards if it started it; KEEP_CEPH=1 leaves it running for the next run).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureS3 } from './s3-for-tests.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const s3 = ensureS3(process.env);

const testFiles = ['audit-receiver/test', 'test'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => join(dir, name)),
);
// One test file at a time: the outage drill stops the shared gateway.
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...process.argv.slice(2), ...testFiles];
const run = spawnSync(process.execPath, args, { cwd: root, env: s3.env, stdio: 'inherit' });

s3.release();
process.exit(run.status ?? 1);
