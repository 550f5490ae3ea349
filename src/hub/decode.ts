import { DATETIME_KEYS, Timestamp, extractDates, isDict, isIsoDateString, unreadable, type Dict, type TaskRecord, type Value } from '../records/index.js';
import type { HubChannel } from './channel.js';
import type { HubBackend } from './pushdown.js';
import type { Json } from './jupyter-session.js';

/** Keys whose JSON text SQLiteDB hands back undecoded. */
const JSON_TEXT_KEYS = ['error', 'execute_result'];
const HEADER_KEYS = ['header', 'result_header'];

/** A record as the hub sent it, with dates as instants and JSON text columns decoded. */
export function decodeRecord(item: Dict, utcDigits: boolean): TaskRecord {
  const rec: TaskRecord = item;
  for (const k of DATETIME_KEYS) {
    const v = rec[k];
    if (typeof v === 'string') rec[k] = parseHubDate(v, utcDigits) ?? v;
  }
  for (const k of HEADER_KEYS) {
    const v = rec[k];
    if (isDict(v)) rec[k] = readable(rec, k, () => (utcDigits ? hubDatesIn(v) : extractDates(v)));
  }
  for (const k of JSON_TEXT_KEYS) rec[k] = readable(rec, k, () => decodeJsonText(rec[k]));
  return rec;
}

/** A column's decoded value; a column nested past the stack is bad data in this record alone. */
function readable(rec: TaskRecord, key: string, decode: () => Value): Value {
  try {
    return decode();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return unreadable(key, `record ${String(rec['msg_id'] ?? '?')} from the hub`, 'is nested too deeply to read');
  }
}

const OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * A datetime from the hub. pymongo hands a MongoDB hub naive UTC datetimes
 * and the hub's JSON packer labels them with its own local offset, so from
 * such a hub the digits are UTC whatever offset follows them (ipyparallel's
 * Python client reads them shifted by that offset).
 */
export function parseHubDate(text: string, utcDigits: boolean): Timestamp | undefined {
  if (!utcDigits || !OFFSET.test(text)) return Timestamp.parse(text);
  return Timestamp.parse(text.replace(OFFSET, 'Z'));
}

function hubDatesIn(v: Value): Value {
  if (typeof v === 'string') return isIsoDateString(v) ? parseHubDate(v, true) ?? v : v;
  if (Array.isArray(v)) return v.map(hubDatesIn);
  if (isDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hubDatesIn(x)]));
  return v;
}

/** Does the reply hold a datetime with an offset other than UTC (a hub outside UTC labelling naive times)? */
export function hasLocalOffset(raw: Json[]): boolean {
  for (const item of raw.slice(0, 8)) {
    if (!isDict(item)) continue;
    for (const k of DATETIME_KEYS) {
      const v = item[k];
      if (typeof v === 'string') {
        const m = OFFSET.exec(v);
        if (m && m[0] !== 'Z' && !/^[+-]00:?00$/.test(m[0])) return true;
      }
    }
  }
  return false;
}

function decodeJsonText(v: Value | undefined): Value {
  if (v === undefined) return null;
  if (typeof v !== 'string' || !v.startsWith('{')) return v;
  try {
    const parsed: unknown = JSON.parse(v);
    return isDict(parsed) ? (parsed as Dict) : v;
  } catch {
    return v;
  }
}

function parseDate(v: Value | undefined): Timestamp | null {
  if (v instanceof Timestamp) return v;
  return typeof v === 'string' ? Timestamp.parse(v) ?? null : null;
}

/** The TaskRecord a result_reply describes, with the keys the hub derives them from. */
export function resultRecord(msgId: string, item: Dict, buffers: Uint8Array[], utcDigits: boolean): TaskRecord {
  const dates = utcDigits ? hubDatesIn : extractDates;
  const header = isDict(item['header']) ? (dates(item['header']) as Dict) : {};
  const resultHeader = isDict(item['result_header']) ? (dates(item['result_header']) as Dict) : {};
  const resultMetadata = isDict(item['result_metadata']) ? item['result_metadata'] : {};
  const io = isDict(item['io']) ? item['io'] : {};
  const engine = resultMetadata['engine'];
  return {
    msg_id: msgId,
    header,
    metadata: item['metadata'] ?? {},
    submitted: parseDate(header['date']),
    engine_uuid: typeof engine === 'string' ? engine : null,
    started: parseDate(resultMetadata['started']),
    completed: parseDate(resultHeader['date']),
    received: typeof item['received'] === 'string' ? parseHubDate(item['received'], utcDigits) ?? null : null,
    result_header: resultHeader,
    result_metadata: resultMetadata,
    result_content: item['result_content'] ?? null,
    result_buffers: buffers,
    execute_input: io['execute_input'] ?? null,
    execute_result: decodeJsonText(io['execute_result']),
    error: decodeJsonText(io['error']),
    stdout: io['stdout'] ?? null,
    stderr: io['stderr'] ?? null,
  };
}

/**
 * Tells DictDB, SQLiteDB, MongoDB and NoDB apart by how they answer two
 * read-only queries: SQLiteDB cannot run `$in: []` (its controller logs
 * that failed query, once per ipc session), NoDB answers nothing, and only
 * MongoDB understands a top-level `$nor`. Asked only when a query or a
 * reply needs to know.
 */
export async function detectBackend(channel: HubChannel): Promise<HubBackend> {
  const reply = await channel.request('db_request', { query: { msg_id: { $in: [] } }, keys: ['msg_id'] });
  const content = reply.content;
  if (reply.header['msg_type'] === 'hub_error' || content['status'] === 'error') {
    return content['ename'] === 'NoData' ? 'NoDB' : 'SQLiteDB';
  }
  const nor = await channel.request('db_request', { query: { $nor: [{ msg_id: null }] }, keys: ['msg_id'] });
  const records = nor.content['records'];
  if (nor.content['status'] !== 'ok' || !Array.isArray(records)) return 'unknown';
  if (records.length > 0) return 'MongoDB';
  // An empty DictDB and an empty MongoDB answer alike; a non-empty DictDB
  // answers nothing, since no record has a key '$nor'.
  const any = await channel.request('db_request', { query: { msg_id: { $ne: null } }, keys: ['msg_id'] });
  const all = any.content['records'];
  return Array.isArray(all) && all.length > 0 ? 'DictDB' : 'unknown';
}
