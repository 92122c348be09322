// URL templates: "/course/view.php?id={courseid}" split once into literal parts and
// parameter names, so rendering in the hot path is only string concatenation.

export interface Template {
  /** The template as written in the config. */
  readonly source: string;
  /** Literal text around the placeholders: always params.length + 1 entries. */
  readonly parts: readonly string[];
  /** Placeholder names in order of appearance (a name may repeat). */
  readonly params: readonly string[];
}

export class TemplateError extends Error {}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseTemplate(source: string): Template {
  const parts: string[] = [];
  const params: string[] = [];
  let literalStart = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '}') {
      throw new TemplateError(`unmatched "}" at character ${i + 1}`);
    }
    if (ch !== '{') continue;
    const close = source.indexOf('}', i + 1);
    const nextOpen = source.indexOf('{', i + 1);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      throw new TemplateError(`unclosed "{" at character ${i + 1}`);
    }
    const name = source.slice(i + 1, close);
    if (!PARAM_NAME.test(name)) {
      throw new TemplateError(`"{${name}}" is not a parameter name (letters, digits and _ only)`);
    }
    parts.push(source.slice(literalStart, i));
    params.push(name);
    literalStart = close + 1;
    i = close;
  }
  parts.push(source.slice(literalStart));
  return { source, parts, params };
}

/** Fills each placeholder with valueOf(name, index); index counts placeholders from 0. */
export function renderTemplate(template: Template, valueOf: (name: string, index: number) => number): string {
  let out = template.parts[0] ?? '';
  for (let i = 0; i < template.params.length; i++) {
    out += String(valueOf(template.params[i] as string, i)) + (template.parts[i + 1] ?? '');
  }
  return out;
}
