import { isUtf8 } from 'node:buffer';
import { BSON, Long } from 'mongodb';
import { storeError } from '../../errors.js';
import { Timestamp, setOwn, type Dict, type TaskRecord, type Value } from '../../records/index.js';
import { decodeDocument } from './codec.js';

/**
 * Raw BSON (documents as the driver hands them with `raw: true`, or a whole
 * cursor reply) read straight into TaskRecords, giving the same records as
 * decodeDocument over the driver's objects: the driver's generic objects
 * (Binary, Long, Date) are never built. A document holding a type that task
 * records do not use (regex, decimal, code, symbol, BSON timestamp, min/max
 * key, undefined, DBPointer, DBRef) is handed to the driver's own decoding
 * instead.
 */

/** One document read into a record: with `keys`, those keys in that order, None where it lacks one. */
export function readDocument(bytes: Uint8Array, keys?: readonly string[] | ReadPlan): TaskRecord {
  const plan = keys instanceof ReadPlan ? keys : new ReadPlan(keys ?? null);
  return new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), plan).recordOrWhole(0);
}

/**
 * The `cursor` document of a find or getMore reply (the driver's raw form of
 * the reply's field): the id to ask for more with (zero when there is no
 * more), and its batch, each document read into a record of the plan's keys
 * only when it is reached, so that the first records of a large batch are
 * not held back by the rest.
 */
export class CursorBatch {
  readonly id: Long;
  private readonly reader: Reader;
  private pos = 0;
  private end = 0;

  constructor(cursor: Uint8Array, plan: ReadPlan) {
    const buf = Buffer.from(cursor.buffer, cursor.byteOffset, cursor.byteLength);
    this.reader = new Reader(buf, plan);
    const end = buf.readInt32LE(0) - 1;
    let id: Long | undefined;
    let pos = 4;
    while (pos < end) {
      const type = buf[pos]!;
      const nameStart = pos + 1;
      const nameEnd = cstringEnd(buf, nameStart);
      const at = nameEnd + 1;
      const name = buf.toString('latin1', nameStart, nameEnd);
      pos = skip(buf, type, at);
      if (name === 'id' && type === 0x12) id = Long.fromBits(buf.readInt32LE(at), buf.readInt32LE(at + 4));
      else if ((name === 'firstBatch' || name === 'nextBatch') && type === 0x04) {
        this.pos = at + 4;
        this.end = pos - 1;
      }
    }
    if (!id) throw storeError('MongoDB answered a query without a cursor id; the server may not be MongoDB');
    this.id = id;
  }

  /** The next record of the batch, or undefined after the last. */
  read(): TaskRecord | undefined {
    if (this.pos >= this.end) return undefined;
    const { buf } = this.reader;
    const type = buf[this.pos]!;
    const at = cstringEnd(buf, this.pos + 1) + 1;
    if (type !== 0x03) throw storeError('MongoDB answered a query with a batch that holds something other than documents');
    this.pos = at + buf.readInt32LE(at);
    return this.reader.recordOrWhole(at);
  }
}

/**
 * How the documents of one answer are read: the keys asked for (every field
 * when null), matched against each document's field names by their bytes,
 * so that top-level names are never made into strings (the fields of one
 * answer's documents come in the same order, and the key at each position
 * is tried first); and the short texts read so far, since names inside
 * documents and many values (a msg_type, a client's session, an engine's
 * id, a msg_id in the record and again in its header) recur.
 */
export class ReadPlan {
  readonly keys: readonly string[] | null;
  /** A record of every key set to None, copied for each document. */
  readonly template: TaskRecord;
  private readonly names: Buffer[];
  /** The key index found at each field position of the last document. */
  private readonly guess: number[] = [];
  private readonly texts: (string | undefined)[] = new Array<string | undefined>(TEXT_SLOTS);

  constructor(keys: readonly string[] | null) {
    this.keys = keys;
    this.names = (keys ?? []).map((k) => Buffer.from(k, 'utf8'));
    const template: TaskRecord = {};
    for (const k of keys ?? []) setOwn(template, k, null);
    this.template = template;
  }

  /** The index of the key named by buf[from, to) at field position `field`, or -1. */
  find(buf: Buffer, from: number, to: number, field: number): number {
    const g = this.guess[field];
    if (g !== undefined && sameBytes(this.names[g]!, buf, from, to)) return g;
    for (let i = 0; i < this.names.length; i++) {
      if (sameBytes(this.names[i]!, buf, from, to)) {
        this.guess[field] = i;
        return i;
      }
    }
    return -1;
  }

  /** The text in buf[from, to), valid UTF-8 or refused. */
  text(buf: Buffer, from: number, to: number): string {
    const n = to - from;
    if (n <= MAX_KEPT_TEXT) {
      let h = n;
      let i = from;
      for (; i < to; i++) {
        const b = buf[i]!;
        if (b >= 0x80) break;
        h = Math.imul(h ^ b, 0x01000193);
      }
      if (i === to) {
        const slot = (h ^ (h >>> 16)) & (TEXT_SLOTS - 1);
        const kept = this.texts[slot];
        if (kept !== undefined && sameText(kept, buf, from, to)) return kept;
        const t = buf.toString('latin1', from, to);
        this.texts[slot] = t;
        return t;
      }
    } else if (isAscii(buf, from, to)) return buf.toString('latin1', from, to);
    if (!isUtf8(buf.subarray(from, to))) throw storeError('a document in the MongoDB store holds text that is not valid UTF-8');
    return buf.toString('utf8', from, to);
  }
}

/** Texts up to this many bytes are kept for reuse, in this many slots. */
const MAX_KEPT_TEXT = 64;
const TEXT_SLOTS = 4096;

function sameText(s: string, buf: Buffer, from: number, to: number): boolean {
  if (s.length !== to - from) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== buf[from + i]) return false;
  return true;
}

function sameBytes(name: Buffer, buf: Buffer, from: number, to: number): boolean {
  if (name.length !== to - from) return false;
  for (let i = 0; i < name.length; i++) if (name[i] !== buf[from + i]) return false;
  return true;
}

const FALLBACK = Symbol('fallback');
type Read = Value | typeof FALLBACK;

class Reader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    private readonly plan: ReadPlan,
  ) {}

  /** The document at `start` as a record of the plan's keys, or of every field when it names none. */
  recordOrWhole(start: number): TaskRecord {
    const keys = this.plan.keys;
    return keys ? this.record(start, keys) : this.whole(start);
  }

  /** The document at `start` as a record of `keys`; `_id` and fields not asked for are skipped unread. */
  record(start: number, keys: readonly string[]): TaskRecord {
    const buf = this.buf;
    const plan = this.plan;
    const size = buf.readInt32LE(start);
    const end = start + size - 1;
    const out: TaskRecord = { ...plan.template };
    let pos = start + 4;
    let field = 0;
    while (pos < end) {
      const type = buf[pos]!;
      const nameEnd = cstringEnd(buf, pos + 1);
      const k = plan.find(buf, pos + 1, nameEnd, field++);
      if (k < 0) {
        pos = skip(buf, type, nameEnd + 1);
        continue;
      }
      this.pos = nameEnd + 1;
      const v = this.value(type);
      if (v === FALLBACK) return decodeDocument(BSON.deserialize(buf.subarray(start, start + size), { promoteBuffers: true }), keys);
      out[keys[k]!] = v;
      pos = this.pos;
    }
    return out;
  }

  /** The document at `start` as a record of every field but `_id`. */
  whole(start: number): TaskRecord {
    const doc = this.document(start, true);
    if (doc !== FALLBACK) return doc;
    const size = this.buf.readInt32LE(start);
    return decodeDocument(BSON.deserialize(this.buf.subarray(start, start + size), { promoteBuffers: true }));
  }

  private document(start: number, top: boolean): Dict | typeof FALLBACK {
    const buf = this.buf;
    const end = start + buf.readInt32LE(start) - 1;
    const out: Dict = {};
    this.pos = start + 4;
    while (this.pos < end) {
      const type = buf[this.pos++]!;
      const nameEnd = cstringEnd(buf, this.pos);
      const key = this.text(this.pos, nameEnd);
      this.pos = nameEnd + 1;
      const v = this.value(type);
      if (v === FALLBACK) return FALLBACK;
      if (!(top && key === '_id')) setOwn(out, key, v);
    }
    this.pos = end + 1;
    return out;
  }

  private list(start: number): Value[] | typeof FALLBACK {
    const buf = this.buf;
    const end = start + buf.readInt32LE(start) - 1;
    const out: Value[] = [];
    this.pos = start + 4;
    while (this.pos < end) {
      const type = buf[this.pos]!;
      // an array's field names are its indexes, in order
      this.pos = cstringEnd(buf, this.pos + 1) + 1;
      const v = this.value(type);
      if (v === FALLBACK) return FALLBACK;
      out.push(v);
    }
    this.pos = end + 1;
    return out;
  }

  private value(type: number): Read {
    const buf = this.buf;
    const at = this.pos;
    switch (type) {
      case 0x01:
        this.pos += 8;
        return buf.readDoubleLE(at);
      case 0x02: {
        const n = buf.readInt32LE(at);
        this.pos = at + 4 + n;
        return this.text(at + 4, at + 3 + n);
      }
      case 0x03: {
        const d = this.document(at, false);
        // the driver turns {$ref, $id} into its DBRef class
        return d !== FALLBACK && '$ref' in d && '$id' in d ? FALLBACK : d;
      }
      case 0x04:
        return this.list(at);
      case 0x05: {
        const n = buf.readInt32LE(at);
        const subtype = buf[at + 4];
        this.pos = at + 5 + n;
        // the old binary subtype repeats the length inside the data
        const from = subtype === 0x02 ? at + 9 : at + 5;
        return new Uint8Array(buf.subarray(from, at + 5 + n));
      }
      case 0x07:
        this.pos += 12;
        return buf.toString('hex', at, at + 12);
      case 0x08:
        this.pos += 1;
        return buf[at] === 1;
      case 0x09: {
        this.pos += 8;
        const ms = buf.readInt32LE(at + 4) * 2 ** 32 + buf.readUInt32LE(at);
        // a BSON date beyond the range of JS dates has no instant here
        return Math.abs(ms) > 8.64e15 ? null : Timestamp.fromMillis(ms);
      }
      case 0x0a:
        return null;
      case 0x10:
        this.pos += 4;
        return buf.readInt32LE(at);
      case 0x12:
        this.pos += 8;
        return buf.readInt32LE(at + 4) * 2 ** 32 + buf.readUInt32LE(at);
      default:
        return FALLBACK;
    }
  }

  private text(from: number, to: number): string {
    return this.plan.text(this.buf, from, to);
  }
}

/** Where the value of a field of `type` starting at `at` ends. */
function skip(buf: Buffer, type: number, at: number): number {
  switch (type) {
    case 0x01:
    case 0x09:
    case 0x11:
    case 0x12:
      return at + 8;
    case 0x02:
    case 0x0d:
    case 0x0e:
      return at + 4 + buf.readInt32LE(at);
    case 0x03:
    case 0x04:
    case 0x0f:
      return at + buf.readInt32LE(at);
    case 0x05:
      return at + 5 + buf.readInt32LE(at);
    case 0x06:
    case 0x0a:
    case 0x7f:
    case 0xff:
      return at;
    case 0x07:
      return at + 12;
    case 0x08:
      return at + 1;
    case 0x0b:
      return cstringEnd(buf, cstringEnd(buf, at) + 1) + 1;
    case 0x0c:
      return at + 4 + buf.readInt32LE(at) + 12;
    case 0x10:
      return at + 4;
    case 0x13:
      return at + 16;
    default:
      throw storeError(`a document in the MongoDB store holds a value of BSON type ${type}, which ipc cannot read`);
  }
}

/**
 * Where the field name (or other C string) starting at `from` ends: a loop,
 * since names are short and a call to indexOf costs more than reading them.
 */
function cstringEnd(buf: Buffer, from: number): number {
  let i = from;
  while (buf[i] !== 0) {
    if (i >= buf.length) throw storeError('MongoDB answered with a document that ends inside a field name');
    i++;
  }
  return i;
}

function isAscii(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i]! >= 0x80) return false;
  return true;
}
