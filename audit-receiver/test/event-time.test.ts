import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDay, utcDayOf } from '../src/event-time.js';

const day = (time: string): string | undefined => {
  const d = utcDayOf(time);
  return d && formatDay(d);
};

describe('utcDayOf', () => {
  it('keeps the last nanosecond of a day on that day (no rounding through milliseconds)', () => {
    assert.equal(day('2026-11-30T23:59:59.999999999Z'), '2026-11-30');
    assert.equal(day('2026-12-01T00:00:00.000000001Z'), '2026-12-01');
  });

  it('moves a time with an offset to its UTC day, both ways', () => {
    assert.equal(day('2026-12-01T01:30:00+02:00'), '2026-11-30');
    assert.equal(day('2026-11-30T22:30:00.5-02:00'), '2026-12-01');
    assert.equal(day('2026-12-31T23:00:00-01:00'), '2027-01-01');
    assert.equal(day('2026-12-01T12:00:00+00:00'), '2026-12-01');
  });

  it('puts a leap second on the day it ends', () => {
    assert.equal(day('2016-12-31T23:59:60Z'), '2016-12-31');
    assert.equal(day('2017-01-01T00:59:60+01:00'), '2016-12-31');
  });

  it('handles years below 100 without the Date.UTC 1900 shift', () => {
    assert.equal(day('0050-03-01T00:30:00+01:00'), '0050-02-28');
  });

  it('accepts the lower-case and space separators RFC 3339 allows', () => {
    assert.equal(day('2026-12-01t10:00:00z'), '2026-12-01');
    assert.equal(day('2026-12-01 10:00:00Z'), '2026-12-01');
  });

  for (const bad of [
    '',
    '2026-12-01',
    '2026-12-01T10:00:00',
    '2026-12-01T10:00Z',
    'yesterday',
    '2026-12-01T10:00:00.Z',
  ]) {
    it(`returns undefined for ${JSON.stringify(bad)}`, () => assert.equal(utcDayOf(bad), undefined));
  }
});
