import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { EventProblem } from './errors.js';
import { utcDayOf, type UtcDay } from './event-time.js';
import type { EventType } from './event-types.js';
import { RECEIPT_KEY } from './ndjson.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
addFormats(ajv, ['date-time']);

// Compiled once per event type, on first use, and kept: never per request.
const compiled = new Map<string, ValidateFunction>();

function validatorFor(type: EventType): ValidateFunction {
  let validate = compiled.get(type.name);
  if (!validate) {
    validate = ajv.compile(type.schema);
    compiled.set(type.name, validate);
  }
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
