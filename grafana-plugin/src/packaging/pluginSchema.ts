import Ajv, { type ErrorObject } from 'ajv';
import { readFileSync } from 'fs';
import path from 'path';

/** Grafana's plugin.json schema, committed under schemas/ (the validator's copy, draft-07). */
export const PLUGIN_SCHEMA_PATH = path.join(__dirname, '..', '..', 'schemas', 'grafana-plugin.schema.json');

/**
 * Validates a plugin.json document against Grafana's schema and returns the errors (none
 * when valid). `uri` and `email` are checked by shape: the schema asks for those formats.
 */
export function validatePluginJson(document: unknown): ErrorObject[] {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
  const validate = ajv.compile(JSON.parse(readFileSync(PLUGIN_SCHEMA_PATH, 'utf8')));
  return validate(document) ? [] : [...(validate.errors ?? [])];
}
