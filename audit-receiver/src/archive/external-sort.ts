import { once } from 'node:events';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Sorts lines by a string key with bounded memory: records are held until they reach `budgetBytes`,
 * then sorted and spilled to a temporary file; `sorted()` merges the spilled runs with what is still in
 * memory. Keys must not contain '\t' or '\n'; lines may contain anything. The budget is an estimate of
 * the records' size in memory, not a cap on the process.
 */
export class ExternalSorter {
  private records: [string, string][] = [];
  private bytes = 0;
  private readonly runs: string[] = [];
  private dir: string | undefined;

  constructor(private readonly budgetBytes = 64 * 2 ** 20) {}

  /** How many runs were spilled to disk (for tests and progress). */
  get spilled(): number {
    return this.runs.length;
  }

  async add(key: string, line: string): Promise<void> {
    this.records.push([key, line]);
    // Two bytes a character: what the strings cost in V8 at worst.
    this.bytes += 2 * (key.length + line.length) + 64;
    if (this.bytes >= this.budgetBytes) await this.spill();
  }

  /** Every line in ascending key order (ties in the order of their keys' full text). Call once. */
  async *sorted(): AsyncGenerator<string> {
    const inMemory = this.records.sort(compareRecords);
    this.records = [];
    this.bytes = 0;
    try {
      if (this.runs.length === 0) {
        for (const [, line] of inMemory) yield line;
        return;
      }
      const sources = [arraySource(inMemory), ...this.runs.map((path) => fileSource(path))];
      // A k-way merge: k is small (data size / budget), so a linear scan for the minimum is enough.
      const heads = await Promise.all(sources.map((s) => s.next()));
      for (;;) {
        let best = -1;
        for (let i = 0; i < heads.length; i++) {
          const head = heads[i];
          if (
            head &&
            !head.done &&
            (best < 0 || compareRecords(head.value, (heads[best] as IteratorYieldResult<[string, string]>).value) < 0)
          )
            best = i;
        }
        if (best < 0) return;
        yield (heads[best] as IteratorYieldResult<[string, string]>).value[1];
        heads[best] = await (sources[best] as AsyncIterator<[string, string]>).next();
      }
    } finally {
      if (this.dir) await rm(this.dir, { recursive: true, force: true });
    }
  }

  private async spill(): Promise<void> {
    if (!this.dir) {
      const dir = await mkdtemp(join(tmpdir(), 'audit-archive-sort-'));
      this.dir = dir;
      // Spilled audit data must not outlive the process, also when it is interrupted.
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    const path = join(this.dir as string, `run-${this.runs.length}`);
    const records = this.records.sort(compareRecords);
    this.records = [];
    this.bytes = 0;
    const out = createWriteStream(path);
    for (const [key, line] of records) {
      // JSON-encoded, so a record is one line of the run file even when it holds line breaks (a CSV
      // row with a quoted multi-line cell).
      if (!out.write(`${key}\t${JSON.stringify(line)}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    this.runs.push(path);
  }
}

function compareRecords(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

async function* arraySource(records: [string, string][]): AsyncGenerator<[string, string]> {
  yield* records;
}

async function* fileSource(path: string): AsyncGenerator<[string, string]> {
  for await (const text of splitLines(createReadStream(path, { encoding: 'utf8' }))) {
    const tab = text.indexOf('\t');
    yield [text.slice(0, tab), JSON.parse(text.slice(tab + 1, -1)) as string];
  }
}

/** The lines of a text stream, each with its '\n'; only '\n' ends a line (readline would also split on '\r'). */
export async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + chunk;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield text.slice(start, end + 1);
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield `${rest}\n`;
}
