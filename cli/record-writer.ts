// One file of records (--log, --errors), written as the records come (lib/record-file.ts).
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RecordFormat, recordFileHeader, recordFormatOf, RecordLayout, recordLine } from '../lib/record-file';

export class RecordWriter<R> {
  private readonly stream: WriteStream;
  private readonly format: RecordFormat;

  /** `path`'s extension chose a format already (the flag was checked); csv unless it is .jsonl. */
  constructor(
    readonly path: string,
    private readonly layout: RecordLayout<R>,
  ) {
    this.format = recordFormatOf(path) ?? 'csv';
    mkdirSync(dirname(resolve(path)), { recursive: true });
    this.stream = createWriteStream(path);
    this.stream.write(recordFileHeader(layout, this.format));
  }

  write(record: R): void {
    this.stream.write(recordLine(this.layout, record, this.format));
  }

  close(): Promise<void> {
    return new Promise((done) => this.stream.end(done));
  }
}
