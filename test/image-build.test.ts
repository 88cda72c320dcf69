// There is no Docker engine here, so this follows template/node20/Dockerfile's steps by hand on the
// same build context faas-cli makes (the template, with the handler folder as function/), then runs the
// shipped layout with plain node as of-watchdog would, and sends it a signed delivery. The first test
// pins the Dockerfile to the steps this one follows, so the two cannot drift apart unnoticed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signedDelivery } from '../audit-receiver/test/helpers/signed-delivery.js';
import { post, repoRoot, secretsDir, startServer, type RunningServer } from './helpers/receiver-process.js';

const templateDir = join(repoRoot, 'template/node20');
const dockerfile = readFileSync(join(templateDir, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(templateDir, '.dockerignore'), 'utf8').split('\n').filter(Boolean);

describe('node20 template image, built as its Dockerfile does', () => {
  it('has the build steps this test follows', () => {
    for (const step of [
      'COPY function/package*.json ./',
      'RUN if [ -f package-lock.json ]; then npm ci; else npm install; fi',
      'COPY function/ ./',
      'RUN npm run build',
      'RUN npm test',
      'RUN npm prune --omit=dev',
      'COPY --chown=app:app package.json index.js ./',
      'COPY --from=build --chown=app:app /home/app/function/package.json ./function/package.json',
      'COPY --from=build --chown=app:app /home/app/function/node_modules ./function/node_modules',
      'COPY --from=build --chown=app:app /home/app/function/dist ./function/dist',
      'ENV fprocess="node index.js"',
      'ENV upstream_url="http://127.0.0.1:3000"',
      'USER app',
    ]) {
      assert.ok(dockerfile.includes(step), `Dockerfile has: ${step}`);
    }
    assert.deepEqual(dockerignore, ['function/node_modules', 'function/dist']);
  });

  let ship = '';
  let server: RunningServer | undefined;
  const secret = 'image-secret\n';

  before(
    () => {
      // faas-cli's build context: the template, with the handler folder copied in as function/.
      const context = mkdtempSync(join(tmpdir(), 'image-context-'));
      cpSync(templateDir, context, {
        recursive: true,
        filter: (src) => !src.startsWith(join(templateDir, 'function')),
      });
      const ignored = new Set(dockerignore.map((p) => p.replace(/^function\//, '')));
      cpSync(join(repoRoot, 'audit-receiver'), join(context, 'function'), {
        recursive: true,
        filter: (src) => !ignored.has(src.slice(join(repoRoot, 'audit-receiver').length + 1)),
      });
      const fn = join(context, 'function');
      const npm = (...args: string[]) =>
        execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: fn, stdio: 'pipe' });
      npm('ci');
      npm('run', 'build');
      npm('test');
      npm('prune', '--omit=dev');
      // The ship stage.
      ship = mkdtempSync(join(tmpdir(), 'image-ship-'));
      cpSync(join(context, 'index.js'), join(ship, 'index.js'));
      cpSync(join(context, 'package.json'), join(ship, 'package.json'));
      mkdirSync(join(ship, 'function'));
      for (const part of ['package.json', 'node_modules', 'dist']) {
        cpSync(join(fn, part), join(ship, 'function', part), { recursive: true });
      }
    },
    { timeout: 240_000 },
  );
  after(async () => {
    await server?.stop();
  });

  it('ships compiled JavaScript and runtime dependencies only', () => {
    assert.ok(existsSync(join(ship, 'function/dist/handler.js')));
    const modules = readdirSync(join(ship, 'function/node_modules'));
    for (const runtime of ['ajv', '@aws-sdk']) assert.ok(modules.includes(runtime), runtime);
    for (const dev of ['typescript', 'tsx', 'esbuild', 'ajv-formats'])
      assert.ok(!modules.includes(dev), `${dev} is pruned`);
  });

  it('serves the function from the default handler path and archives a signed delivery', async () => {
    const archive = mkdtempSync(join(tmpdir(), 'image-archive-'));
    // The image's environment as stack.yml sets it; no HANDLER_PATH, so the template's default is used.
    server = await startServer({
      RAW_BODY: 'true',
      MAX_RAW_SIZE: '5mb',
      NODE_ENV: 'production',
      ARCHIVE_URL: `file:${archive}`,
      SECRETS_DIR: secretsDir({ 'webhook-secret': secret }),
      TEMPLATE_SERVER: join(ship, 'index.js'),
    });
    const response = await post(server.url, signedDelivery({ secret }));
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json?.events, 3);
    assert.equal(
      (readdirSync(archive, { recursive: true }) as string[]).filter((p) => p.endsWith('.ndjson')).length,
      2,
    );
  });
});
