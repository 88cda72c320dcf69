import { _, Ajv } from 'ajv';
import { schemaFormats } from './event-time.js';

/**
 * The one ajv set-up for the event schemas: used at build time to generate the validators the receiver
 * runs (scripts/generate-validators.ts), and by the tests that check the generated code against a
 * fresh compile. Not imported by the receiver itself, so ajv's compiler never loads at start-up.
 */
export function schemaCompiler(options: { source?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    strict: true,
    allowUnionTypes: true,
    // Generated code reaches the formats through this expression (from src/generated/).
    ...(options.source
      ? { code: { source: true, esm: true, formats: _`require("../event-time").schemaFormats` } }
      : {}),
  });
  // Plain functions: the generated code calls them as they are (formats apply to strings only).
  for (const [name, validate] of Object.entries(schemaFormats)) ajv.addFormat(name, validate);
  return ajv;
}
