// `npm run bench`: every benchmark, in one run, on this machine; writes docs/BENCHMARKS.md.
// Ratios and medians, not single times: the machines are noisy.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/helpers/receiver-process.js';
import { exportVsSync } from './export-vs-sync.js';
import { memorySection } from './large-bodies-memory.js';
import { receiverPerfSections } from './receiver-perf.js';

const sections: string[] = [];
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

sections.push(...(await receiverPerfSections(want)));
if (want('memory')) sections.push(await memorySection());
if (want('export')) sections.push(await exportVsSync());

const ceph = (() => {
  try {
    return execFileSync('ceph', ['--version']).toString().split(' ').slice(0, 3).join(' ');
  } catch {
    return 'an S3 server at S3_TEST_ENDPOINT';
  }
})();
// A subset run replaces its own sections and keeps the others from the last full run.
const path = join(repoRoot, 'docs/BENCHMARKS.md');
const previous = existsSync(path)
  ? readFileSync(path, 'utf8')
      .split(/^(?=## )/m)
      .slice(1)
  : [];
const heading = (section: string) => section.split('\n', 1)[0]?.replace(/\(.*$/, '').trim();
const fresh = new Map(sections.map((section) => [heading(section), section]));
const merged = [
  ...previous.map((section) => fresh.get(heading(section)) ?? section),
  ...sections.filter((section) => !previous.some((p) => heading(p) === heading(section))),
].map((section) => `${section.trimEnd()}\n`);
// One line per section: its heading (with the target) and its headline figure, the first bold one.
const summary = merged.map((section) => {
  const title = (section.split('\n', 1)[0] ?? '').replace(/^## /, '');
  const figure = /\*\*([^*]+)\*\*/.exec(section)?.[1] ?? '';
  return `| ${title} | ${figure} |`;
});
const doc = [
  '# Benchmarks',
  '',
  'Made by `npm run bench` (which starts the local Ceph gateway itself unless `S3_TEST_ENDPOINT` is set);',
  '`npm run bench -- p1 p2 p3 p4 throughput memory export` runs a subset and replaces only its sections.',
  'Everything runs side by side in one run on one machine; compare ratios and medians, not absolute times.',
  '',
  `Last run: ${new Date().toISOString().slice(0, 16)}Z (${only.length ? only.join(', ') : 'all'}), ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, ${ceph}.`,
  '',
  '| benchmark | result |',
  '| --- | --- |',
  ...summary,
  '',
  merged.join('\n'),
].join('\n');
writeFileSync(path, doc);
console.log(doc);
