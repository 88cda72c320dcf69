import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT_TYPES, type EventType } from '../src/event-types.js';
import { checkEvents } from '../src/validate-events.js';
import { fixture } from './helpers/signed-delivery.js';

const apiAccess = EVENT_TYPES.get('api_access') as EventType;
const functionUsage = EVENT_TYPES.get('function_usage') as EventType;
const load = (name: string) => JSON.parse(fixture(name).toString('utf8')) as Record<string, unknown>[];
const valid = (): Record<string, unknown> => ({ ...(load('api_access-batch.json')[0] as Record<string, unknown>) });

function problemsOf(type: EventType, events: unknown[]) {
  return checkEvents(type, events).flatMap((check) => (check.ok ? [] : [check.problem]));
}

function validateEvents(type: EventType, events: unknown[]): void {
  assert.deepEqual(problemsOf(type, events), []);
}

describe('checkEvents', () => {
  it('accepts the OpenFaaS-shaped fixtures: nanosecond times, an event without actor', () => {
    validateEvents(apiAccess, load('api_access-batch.json'));
    validateEvents(functionUsage, load('function_usage-batch.json'));
  });

  it('accepts an absent, empty or null actor', () => {
    const { actor: _actor, ...noActor } = valid();
    validateEvents(apiAccess, [noActor, { ...valid(), actor: {} }, { ...valid(), actor: null }]);
  });

  it('keeps unknown members instead of stripping them', () => {
    const event = { ...valid(), extra: { nested: [1, 2] }, actor: { sub: 's', groups: ['a'] } };
    validateEvents(apiAccess, [event]);
    assert.deepEqual(event.extra, { nested: [1, 2] });
    assert.deepEqual(event.actor, { sub: 's', groups: ['a'] });
  });

  it('gives each valid event the UTC day it is archived under', () => {
    const checks = checkEvents(apiAccess, load('api_access-batch.json'));
    assert.deepEqual(
      checks.map((c) => c.ok && c.day),
      [
        { year: 2026, month: 11, day: 30 },
        { year: 2026, month: 12, day: 1 },
        { year: 2026, month: 12, day: 1 },
      ],
    );
  });

  it('accepts RFC 3339 times with any fraction length and offsets', () => {
    for (const time of ['2023-12-04T17:09:28.710118072Z', '2023-12-04T17:09:28Z', '2023-12-04T17:09:28.5+05:30']) {
      validateEvents(apiAccess, [{ ...valid(), time }]);
    }
  });

  it('says which event failed and why', () => {
    const problems = problemsOf(apiAccess, [valid(), { ...valid(), time: '04/12/2023 17:09' }]);
    assert.deepEqual(problems, [{ index: 1, pointer: '/time', message: 'must match format "date-time"' }]);
  });

  it('reports every failing event, not only the first', () => {
    const { time: _t, ...noTime } = valid();
    const problems = problemsOf(apiAccess, [noTime, valid(), { ...valid(), response_code: '200' }]);
    assert.deepEqual(
      problems.map((p) => [p.index, p.pointer]),
      [
        [0, ''],
        [2, '/response_code'],
      ],
    );
    assert.match(problems[0]?.message ?? '', /time/);
  });

  const broken: [string, unknown][] = [
    ['a string instead of an object', 'event'],
    ['an array instead of an object', []],
    ['a time without zone', { ...valid(), time: '2023-12-04T17:09:28' }],
    ['an impossible date', { ...valid(), time: '2023-02-30T17:09:28Z' }],
    ['actions that are not strings', { ...valid(), actions: [1] }],
    ['an actor that is a string', { ...valid(), actor: 'root' }],
    ['a response code out of range', { ...valid(), response_code: 99 }],
    ['the reserved _receipt member', { ...valid(), _receipt: {} }],
  ];
  for (const [what, event] of broken) {
    it(`refuses ${what}`, () => assert.equal(problemsOf(apiAccess, [event]).length, 1));
  }

  it('refuses a function_usage event without started or with a negative duration', () => {
    const [usage] = load('function_usage-batch.json');
    const { started: _s, ...noStarted } = usage as Record<string, unknown>;
    assert.equal(problemsOf(functionUsage, [noStarted, { ...usage, duration: -1 }]).length, 2);
  });
});
