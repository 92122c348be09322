// config.schema.json is the source of the config's structural rules: this walks it (the few
// keywords it uses) and turns the first violation into moodle-load's one-line message, made
// from the field's `title` ("must be <title>") and `examples` ("is missing (e.g. ...)").
// So the schema editors show and the messages users get cannot disagree.
import schemaJson from '../config.schema.json';
import { nearest } from './suggest';

export interface Schema {
  readonly title?: string;
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number';
  readonly required?: readonly string[];
  readonly anyOf?: readonly { readonly required: readonly string[] }[];
  readonly properties?: Readonly<Record<string, Schema>>;
  /** A schema for keys not in `properties`, or false: no other key is allowed. */
  readonly additionalProperties?: Schema | false;
  readonly items?: Schema;
  readonly minItems?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly exclusiveMinimum?: number;
  readonly default?: unknown;
  readonly examples?: readonly unknown[];
  /** moodle-load's own annotation: never quote the value in a message. */
  readonly 'x-secret'?: boolean;
}

export const CONFIG_SCHEMA = schemaJson as unknown as Schema;

export interface SchemaViolation {
  /** "base_url", "users[1].password", "parameters.courseid.max"; "file" for the whole document. */
  readonly field: string;
  readonly problem: string;
}

function describe(value: unknown, secret: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (secret) return value === '' ? 'empty' : typeof value;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function hasType(value: unknown, type: Schema['type']): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return true;
  }
}

function child(field: string, key: string | number): string {
  if (typeof key === 'number') return `${field}[${key}]`;
  return field === 'file' ? key : `${field}.${key}`;
}

function missing(schema: Schema | undefined): string {
  const example = schema?.examples?.[0];
  return example === undefined
    ? schema?.title
      ? `is missing (${schema.title})`
      : 'is missing'
    : `is missing (e.g. ${JSON.stringify(example)})`;
}

/** The first way `value` breaks `schema`, or null. `field` names the value in messages. */
export function schemaViolation(value: unknown, schema: Schema, field = 'file'): SchemaViolation | null {
  const bad = (problem: string): SchemaViolation => ({ field, problem });
  const mustBe = () => bad(`must be ${schema.title ?? schema.type}, not ${describe(value, schema['x-secret'] === true)}`);
  if (field === 'file' && !hasType(value, schema.type)) return bad(`must hold a JSON object, not ${describe(value, false)}`);
  if (!hasType(value, schema.type)) return mustBe();
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return mustBe();
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return mustBe();
  }
  if (typeof value === 'number' && schema.exclusiveMinimum !== undefined && !(value > schema.exclusiveMinimum)) return mustBe();
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      return bad(value.length === 0 ? 'is empty' : `must have at least ${schema.minItems} entries`);
    if (schema.items) {
      for (let i = 0; i < value.length; i++) {
        const v = schemaViolation(value[i], schema.items, child(field, i));
        if (v) return v;
      }
    }
  }
  if (hasType(value, 'object') && schema.type === 'object') {
    const obj = value as Record<string, unknown>;
    // Unknown keys first: a misspelt required key ("base_ulr") is a typo, not a missing field.
    if (schema.additionalProperties === false) {
      const known = Object.keys(schema.properties ?? {});
      for (const key of Object.keys(obj)) {
        if (known.includes(key)) continue;
        const hint = nearest(key, known);
        return {
          field: child(field, key),
          problem: `is not a known key (${hint === undefined ? `known: ${known.join(', ')}` : `did you mean ${hint}?`})`,
        };
      }
    }
    for (const key of schema.required ?? [])
      if (obj[key] === undefined) return { field: child(field, key), problem: missing(schema.properties?.[key]) };
    if (schema.anyOf && !schema.anyOf.some((alt) => alt.required.every((k) => obj[k] !== undefined))) {
      const [first, ...others] = schema.anyOf.map((alt) => alt.required.join(' and '));
      return {
        field: child(field, first as string),
        problem: `is missing (${schema.properties?.[first as string]?.title ?? 'required'}), or give ${others.join(' or ')}`,
      };
    }
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key] ?? (schema.additionalProperties || undefined);
      if (!sub || v === undefined) continue;
      const violation = schemaViolation(v, sub, child(field, key));
      if (violation) return violation;
    }
  }
  return null;
}

/** A property's schema, by path: schemaAt('urls', 'items', 'weight'). */
export function schemaAt(...path: string[]): Schema {
  let s: Schema | undefined = CONFIG_SCHEMA;
  for (const key of path) s = key === 'items' ? s?.items : key === '*' ? s?.additionalProperties || undefined : s?.properties?.[key];
  if (!s) throw new Error(`no schema at ${path.join('.')}`);
  return s;
}
