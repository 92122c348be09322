// Validates summaries against summary.schema.json with ajv (a devDependency: never bundled
// into k6). Tests that write summaries call assertValidSummary on each.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { ROOT } from './paths';

export const SUMMARY_SCHEMA = JSON.parse(readFileSync(join(ROOT, 'summary.schema.json'), 'utf8')) as Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(SUMMARY_SCHEMA);

/** The schema's complaints about a summary, one line each (empty: valid). */
export function summaryErrors(summary: unknown): string[] {
  return validate(summary) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

export function assertValidSummary(summary: unknown, label = 'summary'): void {
  assert.deepEqual(summaryErrors(summary), [], `${label} does not match summary.schema.json`);
}
