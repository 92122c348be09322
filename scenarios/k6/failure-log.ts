// --errors: one failed attempt (page, asset or AJAX call) as a record for the CLI.
import type { ErrorRecord } from '../../lib/error-log';
import { writeRecord } from './channel';

export function logFailure(record: ErrorRecord): void {
  writeRecord('failure', record);
}
