// --errors: one failed attempt (page, asset or AJAX call) as a marked console line for the CLI.
import { ERROR_MARKER, ErrorRecord } from '../../lib/error-log';

export function logFailure(record: ErrorRecord): void {
  console.log(ERROR_MARKER + JSON.stringify(record));
}
