// The config's `journeys`: each a built-in journey with its params, or steps of its own. Checked
// once, before any request: the structure by config.schema.json, the rest here (a known journey,
// a page or form for every step, every {placeholder} known before the step that uses it).
import { ConfigError } from '../config';
import { nearest } from '../suggest';
import { parseTemplate, Template, TemplateError } from '../template';
import { BUILTIN_JOURNEYS, BUILTIN_NAMES } from './builtin-journeys';
import type { Journey, JourneyStep, TakeRule } from './journey-types';

export interface RawStep {
  name: string;
  path?: string;
  submit?: string;
  fields?: Record<string, string>;
  button?: string;
  answer?: 'quiz';
  repeat_while_path?: string;
  expect_path?: string;
  take?: Record<string, TakeRule>;
  creates?: string[];
}

export interface RawJourney {
  name?: string;
  journey?: string;
  weight?: number;
  params?: Record<string, number | string | (number | string)[]>;
  think_time?: [number, number];
  steps?: RawStep[];
}

/** Placeholders every step may use: the VU, its iteration, the journey's name. */
export const RUN_VARIABLES = ['vu', 'iteration', 'journey'] as const;

function template(source: string, field: string, known: ReadonlySet<string>): Template {
  let t: Template;
  try {
    t = parseTemplate(source);
  } catch (e) {
    if (e instanceof TemplateError) throw new ConfigError(field, `${e.message}: ${JSON.stringify(source)}`);
    throw e;
  }
  for (const p of t.params)
    if (!known.has(p))
      throw new ConfigError(field, `uses {${p}}, which no param, earlier step's take or run variable (${RUN_VARIABLES.join(', ')}) gives`);
  return t;
}

function checkTake(rule: TakeRule, field: string): void {
  if ((rule.match === undefined) === (rule.url_param === undefined))
    throw new ConfigError(field, 'needs one of match (a regular expression on the page) or url_param');
  if (rule.match === undefined) return;
  let re: RegExp;
  try {
    re = new RegExp(rule.match);
  } catch (e) {
    throw new ConfigError(`${field}.match`, `is not a regular expression (${(e as Error).message})`);
  }
  if (new RegExp(`${re.source}|`).exec('')?.length === 1)
    throw new ConfigError(`${field}.match`, 'needs a group ( ) around the value to take');
}

function checkStep(raw: RawStep, field: string, index: number, known: Set<string>): JourneyStep {
  if (raw.path === undefined && raw.submit === undefined)
    throw new ConfigError(field, 'needs a path (a page to open) or submit (a form on the page the step before ended on)');
  if (raw.path !== undefined && raw.submit !== undefined)
    throw new ConfigError(field, 'has both path and submit: a step opens a page or submits a form');
  if (index === 0 && raw.path === undefined)
    throw new ConfigError(`${field}.submit`, 'cannot be the first step: there is no page yet; open one with path');
  if (raw.submit === undefined) {
    for (const key of ['fields', 'button', 'answer', 'repeat_while_path'] as const)
      if (raw[key] !== undefined) throw new ConfigError(`${field}.${key}`, 'is for a step that submits a form (submit)');
  }
  const path = raw.path === undefined ? undefined : template(raw.path, `${field}.path`, known);
  const fields: Record<string, Template> = {};
  for (const [name, value] of Object.entries(raw.fields ?? {})) fields[name] = template(value, `${field}.fields.${name}`, known);
  const take = raw.take ?? {};
  for (const [name, rule] of Object.entries(take)) {
    checkTake(rule, `${field}.take.${name}`);
    known.add(name);
  }
  return {
    name: raw.name,
    ...(path === undefined ? {} : { path }),
    ...(raw.submit === undefined ? {} : { submit: raw.submit }),
    fields,
    ...(raw.button === undefined ? {} : { button: raw.button }),
    ...(raw.answer === undefined ? {} : { answer: raw.answer }),
    ...(raw.repeat_while_path === undefined ? {} : { repeat_while_path: raw.repeat_while_path }),
    ...(raw.expect_path === undefined ? {} : { expect_path: raw.expect_path }),
    take,
    creates: raw.creates ?? [],
  };
}

function thinkOf(raw: RawJourney['think_time'], field: string): readonly [number, number] {
  if (raw === undefined) return [0, 0];
  if (raw.length !== 2) throw new ConfigError(field, 'must be [min, max] seconds');
  const [min, max] = raw;
  if (!(min >= 0)) throw new ConfigError(field, `must not be negative (${min})`);
  if (min > max) throw new ConfigError(field, `has min (${min}) greater than max (${max})`);
  return [min, max];
}

function checkJourney(raw: RawJourney, field: string, takenNames: Set<string>, tagValue: RegExp): Journey {
  if ((raw.journey === undefined) === (raw.steps === undefined))
    throw new ConfigError(
      field,
      `needs journey (a built-in: ${BUILTIN_NAMES.join(', ')}) or steps of its own, not ${raw.journey === undefined ? 'neither' : 'both'}`,
    );
  const builtin = raw.journey === undefined ? undefined : BUILTIN_JOURNEYS[raw.journey];
  if (raw.journey !== undefined && builtin === undefined) {
    const hint = nearest(raw.journey, BUILTIN_NAMES);
    throw new ConfigError(
      `${field}.journey`,
      `is not a known journey: ${JSON.stringify(raw.journey)} (${hint === undefined ? `known: ${BUILTIN_NAMES.join(', ')}` : `did you mean ${hint}?`})`,
    );
  }
  const params = raw.params ?? {};
  for (const need of builtin?.needs ?? [])
    if (params[need] === undefined)
      throw new ConfigError(`${field}.params.${need}`, `is missing: ${raw.journey} needs it (a course module id, e.g. 42)`);
  for (const [name, value] of Object.entries(params))
    if (Array.isArray(value) && value.length === 0) throw new ConfigError(`${field}.params.${name}`, 'is empty');
  const name = raw.name ?? raw.journey ?? '';
  if (name === '') throw new ConfigError(`${field}.name`, 'is missing: a journey of its own steps needs a name');
  if (!tagValue.test(name))
    throw new ConfigError(`${field}.name`, `must not contain a comma or quotes, nor start or end with a space: ${JSON.stringify(name)}`);
  if (takenNames.has(name))
    throw new ConfigError(`${field}.name`, `repeats the name ${JSON.stringify(name)}: journey and url names must be unique`);
  takenNames.add(name);
  const known = new Set<string>([...RUN_VARIABLES, ...Object.keys(params)]);
  const rawSteps = builtin?.steps ?? raw.steps ?? [];
  if (rawSteps.length === 0) throw new ConfigError(`${field}.steps`, 'is empty');
  const stepNames = new Set<string>();
  const steps = rawSteps.map((s, i) => {
    const stepField = builtin === undefined ? `${field}.steps[${i}]` : `${field} (built-in ${raw.journey}, step ${s.name})`;
    if (stepNames.has(s.name)) throw new ConfigError(`${stepField}.name`, `repeats the step name ${JSON.stringify(s.name)}`);
    if (!tagValue.test(s.name)) throw new ConfigError(`${stepField}.name`, `must not contain a comma or quotes: ${JSON.stringify(s.name)}`);
    stepNames.add(s.name);
    return checkStep(s, stepField, i, known);
  });
  return {
    name,
    kind: raw.journey ?? 'custom',
    weight: raw.weight ?? 1,
    params,
    think: thinkOf(raw.think_time, `${field}.think_time`),
    steps,
  };
}

/** `urlNames`: the urls' endpoint names, which journey names must not repeat. */
export function validateJourneys(raw: readonly RawJourney[] | undefined, urlNames: readonly string[], tagValue: RegExp): Journey[] {
  const taken = new Set(urlNames);
  return (raw ?? []).map((j, i) => checkJourney(j, `journeys[${i}]`, taken, tagValue));
}
