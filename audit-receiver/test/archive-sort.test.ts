import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { ExternalSorter, splitLines } from '../src/archive/external-sort.js';
import { daysBetween, parseDay } from '../src/archive/partitions.js';
import { timeSortKey } from '../src/archive/sort-key.js';
import { formatDay } from '../src/event-time.js';

describe('timeSortKey', () => {
  it('orders nanosecond times that Date would round to the same millisecond', () => {
    const a = timeSortKey('2023-12-04T17:09:28.710118072Z') as string;
    const b = timeSortKey('2023-12-04T17:09:28.710118073Z') as string;
    assert.ok(a < b);
    assert.equal(a, '2023-12-04T17:09:28.0710118072');
  });

  it('puts times with offsets on the UTC time line', () => {
    assert.equal(timeSortKey('2026-12-01T01:30:00.5+02:00'), '2026-11-30T23:30:00.0500000000');
    assert.ok((timeSortKey('2026-12-01T00:00:00-01:00') as string) > (timeSortKey('2026-12-01T00:30:00Z') as string));
  });

  it('sorts a leap second after the second before it and before the next minute', () => {
    const leap = timeSortKey('2016-12-31T23:59:60.5Z') as string;
    assert.ok(leap > (timeSortKey('2016-12-31T23:59:59.999999999Z') as string));
    assert.ok(leap < (timeSortKey('2017-01-01T00:00:00Z') as string));
  });

  it('is undefined for text that is not an RFC 3339 time', () => {
    assert.equal(timeSortKey('yesterday'), undefined);
  });
});

describe('ExternalSorter', () => {
  it('sorts far more than its memory budget by spilling runs and merging them', async () => {
    const sorter = new ExternalSorter(4096);
    const records = Array.from(
      { length: 5000 },
      (_, i) => [randomBytes(6).toString('hex'), `{"n":${i},"s":"a\\u2028\r"}\n`] as const,
    );
    for (const [key, line] of records) await sorter.add(key, line);
    assert.ok(sorter.spilled > 10, `spilled ${sorter.spilled} runs`);
    const out: string[] = [];
    for await (const line of sorter.sorted()) out.push(line);
    const expected = [...records].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, line]) => line);
    assert.deepEqual(out, expected);
  });

  it('keeps records that hold line breaks whole when they spill (CSV rows with multi-line cells)', async () => {
    const sorter = new ExternalSorter(256);
    const rows = Array.from(
      { length: 200 },
      (_, i) => [String(1000 - i).padStart(5, '0'), `"/evil\nINJECTED,row ${i}"\r\n`] as const,
    );
    for (const [key, row] of rows) await sorter.add(key, row);
    assert.ok(sorter.spilled > 5);
    const out: string[] = [];
    for await (const row of sorter.sorted()) out.push(row);
    assert.deepEqual(
      out,
      [...rows].reverse().map(([, row]) => row),
    );
  });

  it('sorts in memory when the data fits', async () => {
    const sorter = new ExternalSorter();
    for (const key of ['b', 'c', 'a']) await sorter.add(key, `${key}\n`);
    const out: string[] = [];
    for await (const line of sorter.sorted()) out.push(line);
    assert.deepEqual(out, ['a\n', 'b\n', 'c\n']);
    assert.equal(sorter.spilled, 0);
  });
});

describe('splitLines', () => {
  it('splits only on \\n, across chunk boundaries', async () => {
    const lines: string[] = [];
    for await (const line of splitLines(Readable.from(['a\rb\n', 'c', 'd\n\ne']))) lines.push(line);
    assert.deepEqual(lines, ['a\rb\n', 'cd\n', '\n', 'e\n']);
  });
});

describe('parseDay and daysBetween', () => {
  it('accepts real calendar dates only', () => {
    assert.deepEqual(parseDay('2024-02-29'), { year: 2024, month: 2, day: 29 });
    for (const bad of ['2023-02-29', '2026-13-01', '2026-1-01', '01/12/2026', ''])
      assert.equal(parseDay(bad), undefined);
  });

  it('ends at 9999-12-31 (the day after it would compare as text before it)', () => {
    assert.deepEqual([...daysBetween(parseDay('9999-12-30')!, parseDay('9999-12-31')!)].map(formatDay), [
      '9999-12-30',
      '9999-12-31',
    ]);
  });

  it('lists every day of a range, both ends included, across months and years', () => {
    const days = [...daysBetween(parseDay('2026-12-30')!, parseDay('2027-01-02')!)].map(formatDay);
    assert.deepEqual(days, ['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  });
});

describe('csvRow', () => {
  it('leaves actor cells empty when actor is not an object (no inherited String members)', async () => {
    const { csvRow } = await import('../src/archive/csv.js');
    assert.equal(csvRow('api_access', { actor: 'alice', time: 't', path: '/p' }), 't,,,,,,/p,,,,\r\n');
  });
});
