/**
 * The MongoDB wire protocol, as much of it as drivers speak to a server:
 * OP_MSG (2013) for commands, OP_QUERY (2004) and OP_REPLY (1) for the
 * legacy handshake that older drivers (pymongo 3.x) still start with.
 */
import { BSON, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const MORE_TO_COME = 1 << 1;
const CHECKSUM_PRESENT = 1 << 0;

export interface Request {
  readonly requestId: number;
  readonly opCode: number;
  /** The command document, with OP_MSG document sequences merged in as arrays. */
  readonly command: Document;
  /** The database the command runs in. */
  readonly db: string;
  /** OP_MSG with moreToCome: the client wants no reply. */
  readonly noReply: boolean;
}

const DESERIALIZE = { promoteLongs: true, promoteValues: true, promoteBuffers: false } as const;

/** Splits complete messages off the front of `buffer`; returns them and what is left. */
export function readMessages(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset);
    if (length < 16) throw new Error(`bad message length ${length}`);
    if (buffer.length - offset < length) break;
    messages.push(buffer.subarray(offset, offset + length));
    offset += length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

export function parseRequest(message: Buffer): Request {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return parseMsg(message, requestId);
  if (opCode === OP_QUERY) return parseQuery(message, requestId);
  throw new Error(`unsupported opCode ${opCode}`);
}

function parseMsg(message: Buffer, requestId: number): Request {
  const flags = message.readUInt32LE(16);
  const end = message.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
  let offset = 20;
  let command: Document | undefined;
  const sequences: [string, Document[]][] = [];
  while (offset < end) {
    const kind = message[offset]!;
    offset += 1;
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      command = BSON.deserialize(message.subarray(offset, offset + size), DESERIALIZE);
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const stop = offset + size;
      let p = offset + 4;
      const nul = message.indexOf(0, p);
      const identifier = message.toString('utf8', p, nul);
      p = nul + 1;
      const docs: Document[] = [];
      while (p < stop) {
        const docSize = message.readInt32LE(p);
        docs.push(BSON.deserialize(message.subarray(p, p + docSize), DESERIALIZE));
        p += docSize;
      }
      sequences.push([identifier, docs]);
      offset = stop;
    } else {
      throw new Error(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!command) throw new Error('OP_MSG without a body section');
  for (const [id, docs] of sequences) command[id] = docs;
  return { requestId, opCode: OP_MSG, command, db: String(command['$db'] ?? 'admin'), noReply: (flags & MORE_TO_COME) !== 0 };
}

function parseQuery(message: Buffer, requestId: number): Request {
  let offset = 20;
  const nul = message.indexOf(0, offset);
  const fullName = message.toString('utf8', offset, nul);
  offset = nul + 1 + 8;
  const size = message.readInt32LE(offset);
  let command = BSON.deserialize(message.subarray(offset, offset + size), DESERIALIZE);
  if (command['$query'] && typeof command['$query'] === 'object') command = command['$query'] as Document;
  const db = fullName.endsWith('.$cmd') ? fullName.slice(0, -5) : fullName.split('.')[0]!;
  return { requestId, opCode: OP_QUERY, command, db, noReply: false };
}

let nextRequestId = 1;

export function encodeReply(request: Request, reply: Document): Buffer {
  const body = Buffer.from(BSON.serialize(reply));
  const id = nextRequestId++;
  if (request.opCode === OP_QUERY) {
    const header = Buffer.alloc(36);
    header.writeInt32LE(36 + body.length, 0);
    header.writeInt32LE(id, 4);
    header.writeInt32LE(request.requestId, 8);
    header.writeInt32LE(OP_REPLY, 12);
    header.writeInt32LE(8, 16); // AwaitCapable
    header.writeBigInt64LE(0n, 20);
    header.writeInt32LE(0, 28);
    header.writeInt32LE(1, 32);
    return Buffer.concat([header, body]);
  }
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0);
  header.writeInt32LE(id, 4);
  header.writeInt32LE(request.requestId, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16);
  header[20] = 0;
  return Buffer.concat([header, body]);
}
