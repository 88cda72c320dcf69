import type { EventProblem } from './errors.js';
import { utcDayOf, type UtcDay } from './event-time.js';
import type { EventType } from './event-types.js';
import * as generated from './generated/event-validators.js';
import { RECEIPT_KEY } from './ndjson.js';

/** A validator ajv generated from an event type's schema at build time (scripts/generate-validators.ts). */
interface Validator {
  (data: unknown): boolean;
  errors?: readonly { instancePath: string; message?: string }[] | null;
}

const validators = generated as unknown as Readonly<Record<string, Validator | undefined>>;

function validatorFor(type: EventType): Validator {
  const validate = validators[type.name];
  // Every event type has one: the build generates them from EVENT_TYPES, and a test checks it.
  if (!validate) throw new Error(`no generated validator for ${type.name}: run npm run build`);
  return validate;
}

/** The outcome of checking one event: the UTC day it is archived under, or why it cannot be. */
export type EventCheck = { ok: true; day: UtcDay } | { ok: false; problem: EventProblem };

/**
 * Checks each event against its type's schema and finds the day it belongs to. `duplicateNames[i]` marks
 * an event whose text repeats a member name: refused, since it was validated on the last value only.
 */
export function checkEvents(
  type: EventType,
  events: readonly unknown[],
  duplicateNames: readonly boolean[] = [],
): EventCheck[] {
  const validate = validatorFor(type);
  return events.map((event, index): EventCheck => {
    if (duplicateNames[index]) {
      return { ok: false, problem: { index, pointer: '', message: 'repeats a member name' } };
    }
    if (!validate(event)) {
      const error = validate.errors?.[0];
      return {
        ok: false,
        problem: { index, pointer: error?.instancePath ?? '', message: error?.message ?? 'does not match the schema' },
      };
    }
    const record = event as Record<string, unknown>;
    if (Object.prototype.hasOwnProperty.call(record, RECEIPT_KEY)) {
      // The receiver adds this member; an event that already has it would be ambiguous in the archive.
      return {
        ok: false,
        problem: { index, pointer: `/${RECEIPT_KEY}`, message: "is reserved for the receiver's receipt" },
      };
    }
    const time = record[type.timeField];
    const day = typeof time === 'string' ? utcDayOf(time) : undefined;
    if (!day) {
      return { ok: false, problem: { index, pointer: `/${type.timeField}`, message: 'must be an RFC 3339 date-time' } };
    }
    return { ok: true, day };
  });
}
