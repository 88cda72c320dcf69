// `npm run bench`: the benchmarks in bench/, against S3_TEST_ENDPOINT or a local Ceph gateway it starts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureS3 } from './s3-for-tests.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const s3 = ensureS3(process.env);
const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], {
  cwd: root,
  env: s3.env,
  stdio: 'inherit',
});
s3.release();
process.exit(run.status ?? 1);
