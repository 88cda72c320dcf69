// `npm test`: every test, the S3 ones included. Unless S3_TEST_ENDPOINT names an S3 server to use, it
// starts a local Ceph gateway (scripts/ceph.sh, installing Ceph when it can) and stops it afterwards if
// it started it. KEEP_CEPH=1 leaves it running for the next run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The AWS SDK's notice about its future Node 22 requirement would repeat in every test's output.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
let startedCeph = false;

if (!env.S3_TEST_ENDPOINT) {
  // The Debian packages the tests use (Ceph, and awscli for the consumer tests), installed when missing.
  if (spawnSync('bash', [join(root, 'scripts/ceph.sh'), 'install'], { env, stdio: 'inherit' }).status !== 0)
    process.exit(1);
  const port = env.CEPH_RGW_PORT || '7480';
  if (spawnSync('bash', [join(root, 'scripts/ceph.sh'), 'status'], { env }).status !== 0) {
    const start = spawnSync('bash', [join(root, 'scripts/ceph.sh'), 'start'], { env, stdio: 'inherit' });
    if (start.status !== 0) {
      console.error('Could not start the local Ceph S3 gateway the S3 tests need (see above).');
      process.exit(1);
    }
    startedCeph = true;
  }
  env.S3_TEST_ENDPOINT = `http://127.0.0.1:${port}`;
}

const testFiles = ['audit-receiver/test', 'test'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => join(dir, name)),
);
// One test file at a time: the outage drill stops the shared gateway.
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...process.argv.slice(2), ...testFiles];
const run = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });

if (startedCeph && !env.KEEP_CEPH) {
  spawnSync('bash', [join(root, 'scripts/ceph.sh'), 'stop'], { env, stdio: 'inherit' });
}
process.exit(run.status ?? 1);
