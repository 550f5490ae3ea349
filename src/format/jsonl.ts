import { clip, parseError } from '../errors.js';
import { BUFFER_KEYS, DATETIME_KEYS, Timestamp, extractDates, isDict, keySpec, setOwn, type TaskRecord, type Value } from '../records/index.js';
import { jsonText } from './json.js';

/** Records one compact JSON text per line, as `--format jsonl` writes them. */
export function renderJSONL(records: Iterable<unknown>): string {
  const lines: string[] = [];
  for (const r of records) lines.push(jsonText(r));
  return lines.join('\n');
}

/**
 * Reads the records that `--format jsonl` wrote back into TaskRecords:
 * ISO 8601 strings in the datetime keys and inside the dict keys become
 * instants, base64 strings in the buffer keys become bytes.
 */
export function parseJSONLRecords(text: string, source = 'the input'): TaskRecord[] {
  const records: TaskRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw parseError(`line ${i + 1} of ${source} is not JSON (${clip((e as Error).message)}); each line holds one record as --format jsonl writes it`);
    }
    if (!isDict(obj as Value) || typeof (obj as Record<string, unknown>)['msg_id'] !== 'string') {
      throw parseError(`line ${i + 1} of ${source} is not a task record: each line is a JSON object with a msg_id`);
    }
    try {
      records.push(recordFromJSON(obj as Record<string, unknown>, `line ${i + 1} of ${source}`));
    } catch (e) {
      if (e instanceof RangeError) throw parseError(`line ${i + 1} of ${source} is nested too deeply to read; a task record is a few levels deep`);
      throw e;
    }
  });
  return records;
}

export function recordFromJSON(obj: Record<string, unknown>, where: string): TaskRecord {
  const rec: TaskRecord = {};
  for (const [key, v] of Object.entries(obj)) {
    const spec = keySpec(key);
    if (v === null || !spec) {
      setOwn(rec, key, v);
      continue;
    }
    if (DATETIME_KEYS.includes(key)) {
      const t = typeof v === 'string' ? Timestamp.parse(v) : undefined;
      if (!t) throw parseError(`${key} in ${where} is not an ISO 8601 datetime: ${JSON.stringify(v)}`);
      rec[key] = t;
    } else if (BUFFER_KEYS.includes(key)) {
      if (!Array.isArray(v) || !v.every((b) => typeof b === 'string')) {
        throw parseError(`${key} in ${where} must be a list of base64 strings`);
      }
      rec[key] = v.map((b: string) => new Uint8Array(Buffer.from(b, 'base64')));
    } else if (spec.kind === 'dict' || spec.kind === 'json') {
      rec[key] = extractDates(v);
    } else {
      rec[key] = v as Value;
    }
  }
  return rec;
}
