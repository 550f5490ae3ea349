import type { RecordStream } from '../../records/index.js';
import { plainValue } from '../display.js';
import { jsonText } from '../json.js';
import type { Writer } from './writer.js';

/**
 * report: a db_query statement as one self-contained HTML page, which the
 * shell makes from the statement's records (a report is a file of its own,
 * never a session's %format); any other value prints as json.
 */
export const REPORT_WRITER: Writer = {
  name: 'report',
  doc: 'a db_query statement as a self-contained HTML report of the run; other values as json',
  endings: ['.html', '.htm'],
  sessionFormat: false,
  takesJsonText: false,
  value: (v) => jsonText(plainValue(v)),
  stream: drain,
};

/** The shell never streams records to a report (it reads them itself): a stream given writes nothing. */
async function* drain(stream: RecordStream): AsyncGenerator<string> {
  for await (const _ of stream) {
    // nothing: the report is written from the records by the shell
  }
}
