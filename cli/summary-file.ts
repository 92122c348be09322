// Reads a summary JSON a command was given (compare, merge): a one-line error naming the file.
import { readFileSync } from 'node:fs';
import { SettingsError } from '../lib/run-settings';
import type { Summary } from '../lib/summary';

export function readSummary(path: string): Summary {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SettingsError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseSummary(path, text);
}

/** A summary's text, already read from `path`. */
export function parseSummary(path: string, text: string): Summary {
  try {
    const s = JSON.parse(text) as Summary;
    if (typeof s.target_rpm !== 'number' || typeof s.endpoints !== 'object') throw new Error('not a moodle-load summary');
    return s;
  } catch (e) {
    throw new SettingsError(`${path} is not a moodle-load summary JSON (${(e as Error).message})`);
  }
}
