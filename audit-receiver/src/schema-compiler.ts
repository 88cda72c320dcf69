import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

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
    ...(options.source ? { code: { source: true, esm: true } } : {}),
  });
  addFormats(ajv, ['date-time']);
  return ajv;
}
