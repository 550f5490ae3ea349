import { isUtf8 } from 'node:buffer';
import { BSON } from 'mongodb';
import { storeError } from '../../errors.js';
import { Timestamp, setOwn, type Dict, type TaskRecord, type Value } from '../../records/index.js';
import { decodeDocument } from './codec.js';

/**
 * A raw BSON document (as the driver hands it with `raw: true`) read
 * straight into a TaskRecord, giving the same record as decodeDocument over
 * the driver's object: the driver's generic objects (Binary, Long, Date)
 * are never built. A document holding a type that task records do not use
 * (regex, decimal, code, symbol, BSON timestamp, min/max key, undefined,
 * DBPointer, DBRef) is handed to the driver's own decoding instead.
 */
export function readDocument(bytes: Uint8Array, keys?: readonly string[]): TaskRecord {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new Reader(buf);
  const doc = reader.document(0, keys ? new Set(keys) : null, true);
  if (doc === FALLBACK) return decodeDocument(BSON.deserialize(buf, { promoteBuffers: true }), keys);
  if (!keys) return doc;
  const out: TaskRecord = {};
  for (const k of keys) out[k] = Object.hasOwn(doc, k) ? doc[k]! : null;
  return out;
}

const FALLBACK = Symbol('fallback');
type Read = Value | typeof FALLBACK;

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  /** The document starting at `start`; at the top, only `wanted` keys (all when null) and never `_id`. */
  document(start: number, wanted: ReadonlySet<string> | null, top: boolean): Dict | typeof FALLBACK {
    const buf = this.buf;
    const end = start + buf.readInt32LE(start) - 1;
    const out: Dict = {};
    this.pos = start + 4;
    while (this.pos < end) {
      const type = buf[this.pos++]!;
      const nameEnd = buf.indexOf(0, this.pos);
      const key = this.text(this.pos, nameEnd);
      this.pos = nameEnd + 1;
      const skip = top && (key === '_id' || (wanted !== null && !wanted.has(key)));
      const v = this.value(type);
      if (v === FALLBACK) return FALLBACK;
      if (!skip) setOwn(out, key, v);
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
        const d = this.document(at, null, false);
        // the driver turns {$ref, $id} into its DBRef class
        return d !== FALLBACK && '$ref' in d && '$id' in d ? FALLBACK : d;
      }
      case 0x04: {
        const d = this.document(at, null, false);
        return d === FALLBACK ? FALLBACK : Object.values(d);
      }
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
    const buf = this.buf;
    if (isAscii(buf, from, to)) return buf.toString('latin1', from, to);
    if (!isUtf8(buf.subarray(from, to))) throw storeError('a document in the MongoDB store holds text that is not valid UTF-8');
    return buf.toString('utf8', from, to);
  }
}

function isAscii(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i]! >= 0x80) return false;
  return true;
}
