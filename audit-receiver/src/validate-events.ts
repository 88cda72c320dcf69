import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ValidationError, type EventProblem } from './errors.js';
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

/** Checks every event against its type's schema; throws ValidationError naming each failing event. */
export function validateEvents(type: EventType, events: readonly unknown[]): void {
  const validate = validatorFor(type);
  const problems: EventProblem[] = [];
  events.forEach((event, index) => {
    if (!validate(event)) {
      const error = validate.errors?.[0];
      problems.push({
        index,
        pointer: error?.instancePath ?? '',
        message: error?.message ?? 'does not match the schema',
      });
    } else if (Object.prototype.hasOwnProperty.call(event, RECEIPT_KEY)) {
      // The receiver adds this member; an event that already has it would be ambiguous in the archive.
      problems.push({ index, pointer: `/${RECEIPT_KEY}`, message: `is reserved for the receiver's receipt` });
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
}
