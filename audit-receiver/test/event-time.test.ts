import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { formatDay, isDateTime, utcDayOf } from '../src/event-time.js';

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

describe("isDateTime (the schemas' date-time format)", () => {
  // The oracle: ajv-formats' own date-time, within the RFC 3339 shape the archive partitions by.
  const ajvDateTime = (fullFormats['date-time'] as { validate: (text: string) => boolean }).validate;
  const shape = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  const dates = [
    '2023-12-04',
    '2024-02-29',
    '2023-02-29',
    '2000-02-29',
    '1900-02-29',
    '2023-04-31',
    '2023-13-01',
    '2023-00-10',
    '2023-12-00',
    '2023-12-32',
    '0000-01-01',
    '9999-12-31',
    '23-12-04',
  ];
  const separators = ['T', 't', ' ', '\t', '', 'TT'];
  const times = [
    '17:09:28',
    '00:00:00',
    '23:59:59',
    '23:59:60',
    '24:00:00',
    '23:60:00',
    '12:30:60',
    '00:59:60',
    '22:59:60',
    '17:09',
    '17:09:28.710118072',
    '23:59:60.5',
    '1:02:03',
  ];
  const zones = [
    'Z',
    'z',
    '',
    '+00:00',
    '-00:00',
    '+05:30',
    '-05:30',
    '+0530',
    '+24:00',
    '+23:59',
    '+23:60',
    '-01:00',
    '+01:00',
    '05:30',
  ];

  it('accepts exactly what ajv-formats accepts in RFC 3339 shape, over every combination of edge cases', () => {
    let accepted = 0;
    for (const date of dates)
      for (const separator of separators)
        for (const time of times)
          for (const zone of zones) {
            const text = `${date}${separator}${time}${zone}`;
            const expected = ajvDateTime(text) && shape.test(text);
            assert.equal(isDateTime(text), expected, text);
            if (expected) accepted++;
          }
    // Both verdicts are well represented, or the comparison proves little.
    assert.ok(accepted > 500, `${accepted} accepted`);
  });

  it('takes a leap second only at 23:59:60 UTC', () => {
    assert.equal(isDateTime('2016-12-31T23:59:60Z'), true);
    assert.equal(isDateTime('2017-01-01T00:59:60+01:00'), true);
    assert.equal(isDateTime('2016-12-31T12:59:60Z'), false);
  });
});
