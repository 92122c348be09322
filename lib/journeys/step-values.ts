// The values a journey's {placeholders} take: its params (a list is gone through in turn), the
// run variables, and what earlier steps took from their pages.
import type { Template } from '../template';
import type { Journey, TakeRule } from './journey-types';
import { queryOf } from '../url';

export type Values = Record<string, string>;

/** `turn`: how many times this VU ran this journey before; a list param gives its next entry. */
export function startValues(j: Journey, vu: number, iteration: number, turn: number): Values {
  const v: Values = { vu: String(vu), iteration: String(iteration), journey: j.name };
  for (const [name, value] of Object.entries(j.params)) {
    v[name] = String(Array.isArray(value) ? value[(vu - 1 + turn) % value.length] : value);
  }
  return v;
}

export function render(t: Template, values: Values): string {
  let out = t.parts[0] ?? '';
  for (let i = 0; i < t.params.length; i++) out += (values[t.params[i] as string] ?? '') + (t.parts[i + 1] ?? '');
  return out;
}

/** One query parameter of a URL, decoded, or undefined. */
export function urlParam(url: string, name: string): string | undefined {
  for (const pair of queryOf(url).split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (decodeURIComponent(key.replace(/\+/g, ' ')) === name)
      return eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
  }
  return undefined;
}

/** `draw(n)`: a random integer in 0..n-1, for pick "random". Undefined when the page has no match. */
export function takeValue(rule: TakeRule, url: string, html: string, draw: (n: number) => number): string | undefined {
  if (rule.url_param !== undefined) return urlParam(url, rule.url_param);
  const re = new RegExp(rule.match as string, 'g');
  const found: string[] = [];
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    found.push(m[1] ?? '');
    if (m[0] === '') re.lastIndex++;
  }
  if (found.length === 0) return undefined;
  const pick = rule.pick ?? 'first';
  return pick === 'first' ? found[0] : pick === 'last' ? found[found.length - 1] : found[draw(found.length)];
}

/** A form body, application/x-www-form-urlencoded, in the order given, byte for byte as a browser sends it. */
export function encodeForm(pairs: readonly { name: string; value: string }[]): string {
  // encodeURIComponent leaves !'()~ as they are; the form encoding escapes them.
  const enc = (s: string) =>
    encodeURIComponent(s)
      .replace(/%20/g, '+')
      .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return pairs.map((p) => `${enc(p.name)}=${enc(p.value)}`).join('&');
}
