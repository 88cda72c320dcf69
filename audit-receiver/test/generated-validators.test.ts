import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generatedValidators } from '../scripts/generate-validators.js';
import { EVENT_TYPES } from '../src/event-types.js';
import * as generated from '../src/generated/event-validators.js';
import { schemaCompiler } from '../src/schema-compiler.js';
import { fixture } from './helpers/signed-delivery.js';

type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
const validators = generated as unknown as Record<string, Validator | undefined>;

// Values of every JSON kind, and the edge cases of the schemas' keywords (ranges, formats, lengths).
const samples: unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  99,
  100,
  599,
  600,
  200.5,
  2 ** 53,
  '',
  'x',
  '\u{1F600}',
  '200',
  '2023-12-04T17:09:28.710118072Z',
  '2023-12-04T17:09:28Z',
  '2023-12-04T17:09:28+05:30',
  '2023-12-04T17:09:28',
  '2023-02-30T17:09:28Z',
  '2016-12-31T23:59:60Z',
  '2023-12-04 17:09:28Z',
  [],
  ['Namespace:List'],
  [1],
  {},
  { sub: 's' },
  { sub: 1 },
];

/** Each fixture event, then each of its members (and one unknown member) set to every sample in turn. */
function variants(type: string): unknown[] {
  const events = JSON.parse(fixture(`${type}-batch.json`).toString('utf8')) as Record<string, unknown>[];
  const out: unknown[] = [...samples];
  for (const event of events) {
    out.push(event);
    for (const name of [...Object.keys(event), 'extra']) {
      for (const value of samples) {
        const copy: Record<string, unknown> = { ...event };
        if (value === undefined) delete copy[name];
        else copy[name] = value;
        out.push(copy);
      }
    }
    if (event.actor && typeof event.actor === 'object') {
      for (const name of ['sub', 'name', 'issuer', 'fed_issuer']) {
        for (const value of samples) out.push({ ...event, actor: { ...(event.actor as object), [name]: value } });
      }
    }
  }
  return out;
}

describe('validators generated at build time', () => {
  it('exist for every event type the receiver archives', () => {
    for (const name of EVENT_TYPES.keys()) assert.equal(typeof validators[name], 'function', name);
  });

  it('are what the current schemas generate (the build is not stale)', () => {
    const onDisk = readFileSync(new URL('../src/generated/event-validators.ts', import.meta.url), 'utf8');
    assert.equal(onDisk, generatedValidators());
  });

  for (const [name, type] of EVENT_TYPES) {
    it(`give the same verdicts and first error as ajv compiling the ${name} schema at run time`, () => {
      const compiled = schemaCompiler().compile(type.schema);
      const generatedValidator = validators[name] as Validator;
      const cases = variants(name);
      let refused = 0;
      for (const event of cases) {
        const expected = compiled(event);
        assert.equal(generatedValidator(event), expected, JSON.stringify(event));
        if (!expected) {
          refused++;
          const [want, got] = [compiled.errors?.[0], generatedValidator.errors?.[0]];
          assert.deepEqual([got?.instancePath, got?.message], [want?.instancePath, want?.message]);
        }
      }
      // The corpus must exercise both verdicts, or the comparison proves nothing.
      assert.ok(refused > 50 && refused < cases.length - 50, `${refused} of ${cases.length} refused`);
    });
  }
});
