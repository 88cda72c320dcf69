import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { objectName, partitionPrefix } from '../src/object-key.js';

const digest = createHash('sha256').update('body').digest('hex');
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*\.[0-9a-f]{16}\.ndjson$/;

describe('partitionPrefix', () => {
  it('builds Hive-style, zero-padded date partitions under the prefix and event type', () => {
    assert.equal(
      partitionPrefix('audit/', 'api_access', { year: 2026, month: 3, day: 7 }),
      'audit/api_access/year=2026/month=03/day=07/',
    );
  });
});

describe('objectName', () => {
  it('is the delivery id and the body digest when the id is plainly safe', () => {
    assert.equal(objectName('3f2a-uuid_1', digest), `3f2a-uuid_1.${digest.slice(0, 16)}.ndjson`);
  });

  it('is the same for the same delivery, so a retry rewrites the same key', () => {
    assert.equal(objectName('abc', digest), objectName('abc', digest));
  });

  it('differs for another body under the same id, so a reused id never overwrites other events', () => {
    const other = createHash('sha256').update('other body').digest('hex');
    assert.notEqual(objectName('abc', digest), objectName('abc', other));
  });

  it('names a delivery without an id by its body digest', () => {
    assert.equal(objectName(undefined, digest), `no-id.${digest.slice(0, 16)}.ndjson`);
    assert.equal(objectName('', digest), `no-id.${digest.slice(0, 16)}.ndjson`);
  });

  const hostile = [
    '../x',
    '../../etc/passwd',
    'a/b',
    '/abs',
    'a\\b',
    '.hidden',
    '_hidden',
    'x'.repeat(500),
    'a\u0000b',
    'line\nbreak',
    'tab\t',
    'é',
    '%2e%2e%2f',
    ' ',
  ];
  for (const id of hostile) {
    it(`hashes the untrusted id ${JSON.stringify(id.length > 20 ? `${id.slice(0, 20)}…` : id)} into a name that stays in its partition`, () => {
      const name = objectName(id, digest);
      assert.match(name, NAME);
      assert.ok(name.startsWith('h-'), name);
      assert.ok(name.length < 80);
    });
  }

  it('maps different hostile ids to different names', () => {
    assert.notEqual(objectName('../x', digest), objectName('../y', digest));
  });
});
