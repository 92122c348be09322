// A captured page as a template: the bytes stay as Moodle sent them, and the few
// session-specific strings (sesskey, logintoken, ids, titles...) become named slots. The
// static parts are encoded once, so serving a 200 KB page costs one Buffer.concat.

/** Where a slot goes: every occurrence of a literal, or one position in the text. */
export type SlotSpec = { readonly slot: string; readonly literal: string } | { readonly slot: string; readonly at: number };

export interface Template {
  /** The page with these values in its slots (a missing value is an error: templates are fixed). */
  render(values: Readonly<Record<string, string>>): Buffer;
  readonly slots: readonly string[];
}

export function compileTemplate(text: string, specs: readonly SlotSpec[]): Template {
  const cuts: { start: number; end: number; slot: string }[] = [];
  for (const spec of specs) {
    if ('at' in spec) {
      if (spec.at < 0 || spec.at > text.length) throw new Error(`template: slot ${spec.slot} at ${spec.at} is outside the page`);
      cuts.push({ start: spec.at, end: spec.at, slot: spec.slot });
      continue;
    }
    let found = 0;
    for (let i = text.indexOf(spec.literal); i >= 0; i = text.indexOf(spec.literal, i + spec.literal.length)) {
      cuts.push({ start: i, end: i + spec.literal.length, slot: spec.slot });
      found++;
    }
    // A capture without the string means the substitution table is wrong: fail at start-up.
    if (found === 0) throw new Error(`template: "${spec.literal}" (slot ${spec.slot}) is not in the page`);
  }
  cuts.sort((a, b) => a.start - b.start || a.end - b.end);
  const statics: Buffer[] = [];
  const slots: string[] = [];
  let pos = 0;
  for (const cut of cuts) {
    if (cut.start < pos) throw new Error(`template: slot ${cut.slot} overlaps another at ${cut.start}`);
    statics.push(Buffer.from(text.slice(pos, cut.start), 'utf8'));
    slots.push(cut.slot);
    pos = cut.end;
  }
  statics.push(Buffer.from(text.slice(pos), 'utf8'));
  return {
    slots: [...new Set(slots)],
    render(values) {
      const parts: Buffer[] = [];
      for (let i = 0; i < slots.length; i++) {
        const value = values[slots[i] as string];
        if (value === undefined) throw new Error(`template: no value for slot ${slots[i]}`);
        parts.push(statics[i] as Buffer, Buffer.from(value, 'utf8'));
      }
      parts.push(statics[statics.length - 1] as Buffer);
      return Buffer.concat(parts);
    },
  };
}
