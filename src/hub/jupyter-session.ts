import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { userInfo } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { hubError } from '../errors.js';
import { Timestamp } from '../records/index.js';

/** Separates routing identities from the message parts (Jupyter wire protocol). */
export const DELIM = Buffer.from('<IDS|MSG>');
export const PROTOCOL_VERSION = '5.3';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonDict = { [key: string]: Json };

export interface MessageHeader {
  readonly msg_id: string;
  readonly msg_type: string;
  readonly username: string;
  readonly session: string;
  readonly date: string;
  readonly version: string;
}

/** A message as received: dates are left as text, the caller knows which fields hold them. */
export interface Message {
  readonly header: JsonDict;
  readonly parentHeader: JsonDict;
  readonly metadata: JsonDict;
  readonly content: JsonDict;
  readonly buffers: Uint8Array[];
}

/** jupyter_client's signature schemes, by the node:crypto digest each uses. */
export const SIGNATURE_SCHEMES: Record<string, string> = {
  'hmac-sha256': 'sha256',
  'hmac-sha512': 'sha512',
  'hmac-sha384': 'sha384',
  'hmac-sha224': 'sha224',
  'hmac-sha1': 'sha1',
  'hmac-md5': 'md5',
};

/**
 * A Jupyter message session as jupyter_client's Session speaks it: JSON
 * parts, HMAC over header, parent header, metadata and content, a fresh
 * msg_id and date in every header (the hub refuses a signature it has seen).
 */
export class Session {
  /** This client's session id, the `session` field of every header. */
  readonly session: string;
  readonly username: string;
  // Private fields stay out of util.inspect and JSON: the key is never shown.
  #key: Buffer = Buffer.alloc(0);
  #algorithm: string | null = null;
  /** The length of a hex signature under the algorithm. */
  #hexLength = 0;

  constructor(key: string, signatureScheme = 'hmac-sha256', session: string = newId()) {
    this.rekey(key, signatureScheme);
    this.session = session;
    this.username = currentUser();
  }

  /** Takes the key of a restarted controller; the session id stays. */
  rekey(key: string, signatureScheme: string): void {
    const bytes = Buffer.from(key, 'utf8');
    let algorithm: string | null = null;
    if (bytes.length > 0) {
      algorithm = SIGNATURE_SCHEMES[signatureScheme] ?? null;
      if (!algorithm) {
        throw hubError(`the connection file asks for the signature scheme '${signatureScheme}', which ipc does not know; use hmac-sha256`);
      }
    }
    this.#key = bytes;
    this.#algorithm = algorithm;
    this.#hexLength = algorithm === null ? 0 : createHmac(algorithm, bytes).digest().length * 2;
  }

  header(msgType: string): MessageHeader {
    return {
      msg_id: newId(),
      msg_type: msgType,
      username: this.username,
      session: this.session,
      date: Timestamp.now().toISOString(),
      version: PROTOCOL_VERSION,
    };
  }

  /** The frames of a request: delimiter, signature, the four JSON parts. */
  serialize(header: MessageHeader, content: unknown, parentHeader: JsonDict = {}, metadata: JsonDict = {}): Buffer[] {
    const parts = [pack(header), pack(parentHeader), pack(metadata), pack(content)];
    return [DELIM, this.sign(parts), ...parts];
  }

  /** Hex HMAC of the parts, empty when the connection file has no key. */
  sign(parts: readonly Uint8Array[]): Buffer {
    if (this.#algorithm === null) return Buffer.alloc(0);
    const h = createHmac(this.#algorithm, this.#key);
    for (const p of parts) h.update(p);
    return Buffer.from(h.digest('hex'), 'ascii');
  }

  /**
   * Constant-time check of a received signature. A signature of the wrong
   * length is refused before any hashing: a flood of junk costs little.
   */
  verify(signature: Uint8Array, parts: readonly Uint8Array[]): boolean {
    if (this.#algorithm === null) return true;
    if (signature.length !== this.#hexLength) return false;
    const expected = this.sign(parts);
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }

  /**
   * Parses received frames; null when they are not a well-formed message
   * with a valid signature (such a message is dropped, never answered).
   */
  deserialize(frames: readonly Uint8Array[]): Message | null {
    const r = this.receive(frames);
    return 'header' in r ? r : null;
  }

  /**
   * Parses received frames, or says why they were dropped. The signature is
   * checked before anything is parsed, and JSON that would not fit in the
   * heap (records decode to several times their text) is not parsed at all.
   */
  receive(frames: readonly Uint8Array[]): Message | Dropped {
    let at = -1;
    for (let i = 0; i < frames.length; i++) {
      if (frames[i]!.length === DELIM.length && Buffer.compare(frames[i]!, DELIM) === 0) {
        at = i;
        break;
      }
    }
    if (at < 0 || frames.length < at + 6) return { dropped: 'malformed' };
    const parts = frames.slice(at + 2, at + 6);
    if (!this.verify(frames[at + 1]!, parts)) return { dropped: 'signature' };
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    if (bytes > jsonBudget()) return { dropped: 'too large', bytes, parentId: parentIdOf(parts[1]!) };
    try {
      const [header, parentHeader, metadata, content] = parts.map(unpack);
      if (!isJsonDict(header) || !isJsonDict(parentHeader) || !isJsonDict(metadata) || !isJsonDict(content)) return { dropped: 'malformed' };
      return { header, parentHeader, metadata, content, buffers: frames.slice(at + 6).map((b) => new Uint8Array(b)) };
    } catch (e) {
      // a string past V8's longest, or JSON nested past the stack
      if (e instanceof RangeError) return { dropped: 'too large', bytes, parentId: parentIdOf(parts[1]!) };
      return { dropped: 'malformed' };
    }
  }
}

/** Why received frames were not a message. */
export interface Dropped {
  readonly dropped: 'signature' | 'malformed' | 'too large';
  /** The size of the JSON parts, when too large. */
  readonly bytes?: number;
  /** The msg_id of the request it answers, when it could be read from the (small) parent header. */
  readonly parentId?: string | null;
}

/** JSON decodes to objects several times the size of its text (small records: about eight). */
const JSON_EXPANSION = 8;

/** How many bytes of JSON the heap can take now. */
export function jsonBudget(): number {
  const h = getHeapStatistics();
  return Math.max(0, h.heap_size_limit - h.used_heap_size) / JSON_EXPANSION;
}

/** The msg_id in a parent header frame, read only when the frame is small. */
function parentIdOf(part: Uint8Array): string | null {
  if (part.length > 4096) return null;
  try {
    const v = unpack(part);
    return isJsonDict(v) && typeof v['msg_id'] === 'string' ? v['msg_id'] : null;
  } catch {
    return null;
  }
}

/** A fresh id in jupyter_client's form: 8 hex digits, a dash, 24 more. */
export function newId(): string {
  const hex = randomUUID().replace(/-/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8)}`;
}

/** JSON as jupyter_client packs it: datetimes as ISO 8601 UTC with Z. */
export function pack(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, packReplacer), 'utf8');
}

function packReplacer(this: unknown, _key: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v;
}

export function unpack(part: Uint8Array): Json {
  const text = Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('utf8');
  return JSON.parse(text) as Json;
}

export function isJsonDict(v: unknown): v is JsonDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'ipc';
  }
}
