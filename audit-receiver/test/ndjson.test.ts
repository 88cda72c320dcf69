import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventLines, receiptJson, toLine } from '../src/ndjson.js';
import { headerValue } from '../src/receive-delivery.js';

const receipt = receiptJson({ delivery_id: 'd', received_at: '2026-12-03T10:00:00.000Z' });

describe('toLine', () => {
  it('appends the receipt as the last member and ends the line with \\n', () => {
    assert.equal(toLine('{"a":0.0}', receipt), `{"a":0.0,"_receipt":${receipt}}\n`);
    assert.equal(toLine('{}', receipt), `{"_receipt":${receipt}}\n`);
  });

  it('writes U+0085, U+2028 and U+2029 as escapes, so no line splitter breaks the event, with the same value', () => {
    const event = '{"s":"a\u0085b\u2028c\u2029d é ✓"}';
    const line = toLine(event, receipt);
    assert.equal(line, `{"s":"a\\u0085b\\u2028c\\u2029d é ✓","_receipt":${receipt}}\n`);
    // Every character Python's str.splitlines() breaks on.
    const breakers = ['\r', '\n', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029'];
    assert.ok(!breakers.some((c) => line.slice(0, -1).includes(c)));
    assert.deepEqual(JSON.parse(line).s, JSON.parse(event).s);
  });
});

describe('receiptJson', () => {
  it('is plain ASCII whatever the delivery id holds, and reads back to the same id', () => {
    const id = 'a\u0085b\u2028c é 😀';
    const json = receiptJson({ delivery_id: id, received_at: 'x' });
    assert.match(json, /^[\x20-\x7e]+$/);
    assert.equal(JSON.parse(json).delivery_id, id);
  });
});

describe('headerValue', () => {
  it('decodes header bytes that are valid UTF-8 (Node reads them as latin1)', () => {
    const latin1 = Buffer.from('délivery-é', 'utf8').toString('latin1');
    assert.equal(headerValue({ 'x-openfaas-delivery': latin1 }, 'x-openfaas-delivery'), 'délivery-é');
  });

  it('keeps bytes that are not UTF-8 as Node read them', () => {
    assert.equal(headerValue({ h: 'caf\u00e9' }, 'h'), 'caf\u00e9');
  });

  it('joins a repeated header as Node does for custom headers', () => {
    assert.equal(headerValue({ h: ['a', 'b'] }, 'h'), 'a, b');
  });
});

describe('eventLines', () => {
  it('writes the same bytes as joining toLine() of each event', () => {
    const texts = [
      '{"a":0.0}',
      '{}',
      '{"s":"é ✓ 😀 \\u2028"}',
      '{"n":12345678901234567890,"o":{"p":[1,{}]}}',
      '{"x":"}"}',
    ];
    assert.equal(eventLines(texts, receipt).toString('utf8'), texts.map((t) => toLine(t, receipt)).join(''));
    assert.deepEqual(eventLines([], receipt), Buffer.alloc(0));
  });
});
