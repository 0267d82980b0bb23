import { Ajv2020 } from 'ajv/dist/2020.js';
import requestSchema from '../../src/pinterest/schema/conversion-events.request.schema.json' with { type: 'json' };

// strictRequired is off because of user_data's anyOf branches (REFERENCE.md §2).
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
// int64 is an OpenAPI format annotation; JSON Schema leaves it to the validator.
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
const validate = ajv.compile(requestSchema);

/** Validates a request body against Pinterest's schema; returns the errors as text, or '' when valid. */
export function schemaErrors(body: unknown): string {
  return validate(body) ? '' : ajv.errorsText(validate.errors);
}
