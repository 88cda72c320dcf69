import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MalformedBodyError } from '../src/errors.js';
import { parseBatch, splitArray } from '../src/parse-batch.js';
import { fixture } from './helpers/signed-delivery.js';

describe('parseBatch', () => {
  it('splits the pretty-printed fixture into one compact text per event, equal in value to the event', () => {
    const batch = parseBatch(fixture('api_access-batch.json'));
    assert.equal(batch.values.length, 3);
    batch.texts.forEach((text, i) => {
      assert.ok(!/[\n\r]/.test(text), 'no line break in an event text');
      assert.deepEqual(JSON.parse(text), batch.values[i]);
    });
  });

  it('keeps each value exactly as sent: 0.0, exponents and integers beyond 2^53', () => {
    const body = '[{"a":0.0,"b":1E+2,"c":12345678901234567890123,"d":-0}]';
    assert.deepEqual(parseBatch(Buffer.from(body)).texts, ['{"a":0.0,"b":1E+2,"c":12345678901234567890123,"d":-0}']);
  });

  it('keeps white space, brackets, commas and escaped quotes that are inside strings', () => {
    const event = '{"s":"a, [b] {c} \\"d\\" \\\\","t":"x  y"}';
    const body = `[ ${event} ,\n\t{ "k" : [ 1 , { "n" : "v w" } ] } ]`;
    assert.deepEqual(parseBatch(Buffer.from(body)).texts, [event, '{"k":[1,{"n":"v w"}]}']);
  });

  it('keeps U+2028 and U+2029 inside a string and the event on one line', () => {
    const body = Buffer.from('[{"s":"a\u2028b\u2029c"}]', 'utf8');
    const [text] = parseBatch(body).texts;
    assert.equal(text, '{"s":"a\u2028b\u2029c"}');
    assert.equal(text?.split('\n').length, 1);
  });

  it('splits events nested 100,000 levels deep without recursion', () => {
    const deep = `{"time":"2026-12-01T10:00:00Z","deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const batch = parseBatch(Buffer.from(`[${deep}, ${deep}]`));
    assert.deepEqual(batch.texts, [deep, deep]);
  });

  it('returns no events for an empty array', () => {
    assert.deepEqual(parseBatch(Buffer.from(' [ ] ')), {
      values: [],
      texts: [],
      duplicateNames: [],
      lineBreakers: false,
    });
  });

  const refused: [string, Buffer, string][] = [
    ['invalid UTF-8', Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]), 'invalid_utf8'],
    ['an empty body', Buffer.alloc(0), 'invalid_json'],
    ['truncated JSON', Buffer.from('[{"time":'), 'invalid_json'],
    ['a JSON object instead of an array', Buffer.from('{"time":"x"}'), 'not_an_array'],
    ['a JSON string', Buffer.from('"[]"'), 'not_an_array'],
    ['null', Buffer.from('null'), 'not_an_array'],
  ];
  for (const [what, body, reason] of refused) {
    it(`refuses ${what} as a 400 (${reason})`, () => {
      assert.throws(
        () => parseBatch(body),
        (err: unknown) => err instanceof MalformedBodyError && err.status === 400 && err.reason === reason,
      );
    });
  }

  it('does not quote the body in its error message', () => {
    const secretLooking = '[{"password":"hunter2",';
    assert.throws(
      () => parseBatch(Buffer.from(secretLooking)),
      (err: Error) => !err.message.includes('hunter2'),
    );
  });
});

describe('splitArray', () => {
  it('handles nested arrays and objects at any depth', () => {
    assert.deepEqual(splitArray('[[1,[2]],{"a":{"b":[{}]}},3,"s",true,null]').texts, [
      '[1,[2]]',
      '{"a":{"b":[{}]}}',
      '3',
      '"s"',
      'true',
      'null',
    ]);
  });
});

describe('duplicate member names', () => {
  const flags = (json: string) => parseBatch(Buffer.from(json)).duplicateNames;

  it('marks an event that repeats a member name at its top level', () => {
    assert.deepEqual(flags('[{"time":"a","path":"/","time":"b"},{"time":"a"}]'), [true, false]);
  });

  it('marks a repeat in a nested object, and one spelt with an escape', () => {
    assert.deepEqual(flags('[{"actor":{"sub":"a","sub":"b"}},{"a":1,"\\u0061":2}]'), [true, true]);
  });

  it('finds a repeat among very many members (past the small-object search)', () => {
    const members = Array.from({ length: 100 }, (_, i) => `"m${i}":${i}`);
    assert.deepEqual(flags(`[{${members.join(',')}},{${members.join(',')},"m7":0}]`), [false, true]);
  });

  it('does not confuse equal names in sibling objects, values equal to names, or names in arrays', () => {
    assert.deepEqual(flags('[{"a":{"x":1},"b":{"x":2},"c":"a","d":[{"x":1},{"x":1}],"e":["a","a"]}]'), [false]);
  });
});
