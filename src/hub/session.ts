import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { userInfo } from 'node:os';
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

  /** Constant-time check of a received signature. */
  verify(signature: Uint8Array, parts: readonly Uint8Array[]): boolean {
    if (this.#algorithm === null) return true;
    const expected = this.sign(parts);
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }

  /**
   * Parses received frames; null when they are not a well-formed message
   * with a valid signature (such a message is dropped, never answered).
   */
  deserialize(frames: readonly Uint8Array[]): Message | null {
    let at = -1;
    for (let i = 0; i < frames.length; i++) {
      if (Buffer.compare(frames[i]!, DELIM) === 0) {
        at = i;
        break;
      }
    }
    if (at < 0 || frames.length < at + 6) return null;
    const parts = frames.slice(at + 2, at + 6);
    if (!this.verify(frames[at + 1]!, parts)) return null;
    try {
      const [header, parentHeader, metadata, content] = parts.map(unpack);
      if (!isJsonDict(header) || !isJsonDict(parentHeader) || !isJsonDict(metadata) || !isJsonDict(content)) return null;
      return { header, parentHeader, metadata, content, buffers: frames.slice(at + 6).map((b) => new Uint8Array(b)) };
    } catch {
      return null;
    }
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
