// Bundles the handler and everything it imports into dist/handler.js (over tsc's per-file output), so
// a cold start reads a few files instead of dozens. The AWS SDK stays outside (node_modules), loaded
// only when something reads the archive; the storage drivers and the digest job become chunks under
// dist/chunks/, loaded when chosen. The CLI keeps using tsc's per-file output in dist/src/.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry a content hash: clear the last build's.
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: { handler: 'handler.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@aws-sdk/*'],
  sourcemap: true,
  logLevel: 'warning',
});
