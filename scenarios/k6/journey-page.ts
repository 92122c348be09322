// A journey step's form, read with k6's own HTML parser (k6/html): the fields as a browser
// would send them, the submit buttons, and, on a quiz page, each question's inputs. Not k6's
// serializeArray: it takes a box as checked only when written checked="checked", and Moodle
// writes a bare `checked` (a ticked "subscribe" box would be sent unticked).
import { parseHTML, Selection } from 'k6/html';
import type { QuizQuestion } from '../../lib/journeys/quiz-answers';

export interface PageForm {
  readonly method: string;
  /** The action as written (resolved against the page's URL by the caller); '' when none. */
  readonly action: string;
  /** Name/value pairs in page order, as a browser would send them without a button. */
  readonly pairs: { name: string; value: string }[];
  /** Every control name in the form, sent or not (an unchecked box, an unselected radio). */
  readonly names: ReadonlySet<string>;
  /** Submit buttons: name -> value (buttons without a name are left out). */
  readonly buttons: ReadonlyMap<string, string>;
  readonly questions: readonly QuizQuestion[];
}

function questionsOf(form: Selection): QuizQuestion[] {
  const out: QuizQuestion[] = [];
  const ques = form.find('div.que');
  for (let i = 0; i < ques.size(); i++) {
    const q = ques.eq(i);
    const type = (q.attr('class') ?? '').split(/\s+/)[1] ?? '';
    const radios: Record<string, string[]> = {};
    const texts: string[] = [];
    const checkboxes: string[] = [];
    const inputs = q.find('input');
    for (let k = 0; k < inputs.size(); k++) {
      const input = inputs.eq(k);
      const name = input.attr('name');
      if (name === undefined || name.endsWith(':sequencecheck') || name.endsWith(':flagged')) continue;
      const kind = (input.attr('type') ?? 'text').toLowerCase();
      if (kind === 'radio') (radios[name] ??= []).push(input.attr('value') ?? '');
      else if (kind === 'checkbox') checkboxes.push(name);
      else if (kind === 'text') texts.push(name);
    }
    out.push({ type, radios, texts, checkboxes });
  }
  return out;
}

const NOT_SENT = ['submit', 'button', 'reset', 'image', 'file'];

/** What a browser sends for one control, in page order (HTML's "constructing the entry list"). */
function controlPairs(c: Selection, name: string, out: { name: string; value: string }[]): void {
  if (c.attr('disabled') !== undefined) return;
  if (c.is('textarea')) {
    out.push({ name, value: c.text().replace(/^\r?\n/, '') });
    return;
  }
  if (c.is('select')) {
    const options = c.find('option');
    const selected = c.find('option[selected]');
    const chosen = selected.size() > 0 ? selected : c.attr('multiple') === undefined ? options.first() : selected;
    for (let i = 0; i < chosen.size(); i++) {
      const o = chosen.eq(i);
      out.push({ name, value: o.attr('value') ?? o.text() });
    }
    return;
  }
  const type = (c.attr('type') ?? 'text').toLowerCase();
  if (NOT_SENT.includes(type)) return;
  if ((type === 'checkbox' || type === 'radio') && c.attr('checked') === undefined) return;
  out.push({ name, value: c.attr('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '') });
}

/** The first form `selector` finds in the page, or null. */
export function readForm(html: string, selector: string, withQuestions: boolean): PageForm | null {
  const form = parseHTML(html).find(selector).first();
  if (form.size() === 0) return null;
  const names = new Set<string>();
  const pairs: { name: string; value: string }[] = [];
  const controls = form.find('input[name], select[name], textarea[name], button[name]');
  for (let i = 0; i < controls.size(); i++) {
    const c = controls.eq(i);
    const name = c.attr('name') as string;
    names.add(name);
    if (!c.is('button')) controlPairs(c, name, pairs);
  }
  const buttons = new Map<string, string>();
  const submits = form.find('input[type="submit"][name], button[type="submit"][name], button[name]:not([type])');
  for (let i = 0; i < submits.size(); i++) {
    const b = submits.eq(i);
    const name = b.attr('name') as string;
    if (!buttons.has(name)) buttons.set(name, b.attr('value') ?? '');
  }
  return {
    method: (form.attr('method') ?? 'get').toUpperCase(),
    action: form.attr('action') ?? '',
    pairs,
    names,
    buttons,
    questions: withQuestions ? questionsOf(form) : [],
  };
}
