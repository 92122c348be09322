// A random valid answer for each question on a quiz attempt page, by question type: what a
// student who answers everything (not necessarily right) sends.

/** One question of the page as the form shows it (read from the page in k6: journey-page.ts). */
export interface QuizQuestion {
  /** The question type, from the question's `que <type>` class. */
  readonly type: string;
  /** Radio groups in the question: name -> the values offered, in page order. */
  readonly radios: Readonly<Record<string, readonly string[]>>;
  /** Names of text inputs (short answer, numerical). */
  readonly texts: readonly string[];
  /** Names of checkboxes (multiple-answer multiple choice). */
  readonly checkboxes: readonly string[];
}

/** Moodle's "Clear my choice" radio, not an answer. */
const NO_CHOICE = '-1';

/** `draw(n)`: a random integer in 0..n-1. Returns the fields to set, field name -> value. */
export function quizAnswers(questions: readonly QuizQuestion[], draw: (n: number) => number): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const q of questions) {
    for (const [name, values] of Object.entries(q.radios)) {
      const choices = values.filter((v) => v !== NO_CHOICE);
      if (choices.length > 0) fields[name] = choices[draw(choices.length)] as string;
    }
    if (q.checkboxes.length > 0) fields[q.checkboxes[draw(q.checkboxes.length)] as string] = '1';
    for (const name of q.texts) fields[name] = textAnswer(q.type, name, draw);
  }
  return fields;
}

function textAnswer(type: string, name: string, draw: (n: number) => number): string {
  // Numerical questions take a number (an answer field, not the unit); anything else, a word.
  if (type === 'numerical' || type === 'calculated' || type === 'calculatedsimple') return name.endsWith('_unit') ? '' : String(draw(100));
  return `answer${draw(1000)}`;
}
