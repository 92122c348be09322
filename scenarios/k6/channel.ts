// The k6 side of the channel to the CLI (lib/channel.ts): the only place the script writes
// records. Each is one console line; the prefixes are built once, so a record costs what its
// JSON costs.
import { recordPrefix, RecordType, RecordTypes } from '../../lib/channel';

const PREFIXES: Readonly<Record<RecordType, string>> = {
  setup: recordPrefix('setup'),
  request: recordPrefix('request'),
  failure: recordPrefix('failure'),
  stats: recordPrefix('stats'),
  end: recordPrefix('end'),
};

export function writeRecord<T extends RecordType>(type: T, data: RecordTypes[T]): void {
  console.log(PREFIXES[type] + JSON.stringify(data));
}
