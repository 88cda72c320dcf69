// The S3 server the tests and benchmarks use: S3_TEST_ENDPOINT when set, else a local Ceph gateway that
// scripts/ceph.sh starts (installing Ceph and awscli from Debian when it can). Shared by test.js and bench.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ceph = (command, env) => spawnSync('bash', [join(root, 'scripts/ceph.sh'), command], { env, stdio: 'inherit' });

/** Makes sure an S3 server is there; returns the environment to use and a function that undoes what it started. */
export function ensureS3(baseEnv) {
  // The AWS SDK's notice about its future Node 22 requirement would repeat in every child's output.
  const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...baseEnv };
  let started = false;
  if (!env.S3_TEST_ENDPOINT) {
    if (ceph('install', env).status !== 0) process.exit(1);
    const up = spawnSync('bash', [join(root, 'scripts/ceph.sh'), 'status'], { env }).status === 0;
    if (!up) {
      if (ceph('start', env).status !== 0) {
        console.error('Could not start the local Ceph S3 gateway (see above).');
        process.exit(1);
      }
      started = true;
    }
    env.S3_TEST_ENDPOINT = `http://127.0.0.1:${env.CEPH_RGW_PORT || '7480'}`;
  }
  return {
    env,
    release() {
      if (started && !env.KEEP_CEPH) ceph('stop', env);
    },
  };
}
