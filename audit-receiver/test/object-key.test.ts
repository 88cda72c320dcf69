import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventTypeSegment, objectName, partitionPrefix, sha256Hex } from '../src/object-key.js';

describe('partitionPrefix', () => {
  it('builds Hive-style, zero-padded date partitions under the prefix and event type', () => {
    assert.equal(
      partitionPrefix('audit/', 'api_access', { year: 2026, month: 3, day: 7 }),
      'audit/api_access/year=2026/month=03/day=07/',
    );
  });
});

describe('objectName', () => {
  const digest = sha256Hex('body');

  it('is the first 128 bits of the body digest, so a retry or replay rewrites the same key', () => {
    assert.equal(objectName(digest), `${digest.slice(0, 32)}.ndjson`);
    assert.equal(objectName(sha256Hex('body')), objectName(digest));
    assert.equal(objectName(digest, 'raw'), `${digest.slice(0, 32)}.raw`);
  });

  it('differs for another body', () => {
    assert.notEqual(objectName(digest), objectName(sha256Hex('body ')));
  });
});

describe('eventTypeSegment', () => {
  it('uses a plainly safe event type as it is, and names a missing one', () => {
    assert.equal(eventTypeSegment('function_deploy'), 'function_deploy');
    assert.equal(eventTypeSegment(undefined), 'no-event-header');
    assert.equal(eventTypeSegment(''), 'no-event-header');
  });

  const hostile = [
    '../x',
    '../../api_access',
    'a/b',
    '/abs',
    'a\\b',
    '.hidden',
    '_hidden',
    'Api_Access',
    'x'.repeat(65),
    'a\u0000b',
    'é',
    '%2e%2e%2f',
    ' ',
  ];
  for (const type of hostile) {
    it(`hashes the untrusted type ${JSON.stringify(type.length > 20 ? `${type.slice(0, 20)}…` : type)} into one safe segment`, () => {
      assert.match(eventTypeSegment(type), /^h-[0-9a-f]{32}$/);
    });
  }

  it('maps different hostile types to different segments', () => {
    assert.notEqual(eventTypeSegment('../x'), eventTypeSegment('../y'));
  });
});
