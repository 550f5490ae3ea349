import { statSync } from 'node:fs';
import { IpcError, hubError } from '../errors.js';
import { FILE_CAPS, readBoundedFile } from '../files.js';
import { SIGNATURE_SCHEMES } from './jupyter-session.js';

/** What ipc needs of ipcontroller-client.json. */
export interface ConnectionInfo {
  readonly file: string;
  /** The hub's query socket: where clients send their requests. */
  readonly registration: string;
  /** The hub's notification PUB socket: engine registration and shutdown. */
  readonly notification: string;
  /** The hub's IOPub relay: every engine's status, stream, error and result messages; null when the file names none. */
  readonly iopub: string | null;
  /** The control queue to the engines (abort, signal), or null when the file names none. */
  readonly control: string | null;
  readonly key: string;
  readonly signatureScheme: string;
  /** Z85 public key of the hub when it speaks CurveZMQ. */
  readonly curveServerKey: string | null;
  /** Changes when the controller rewrites the file (a restart). */
  readonly stamp: string;
}

/**
 * Reads a client connection file as ipyparallel.Client does. The key stays
 * inside the returned object: no message ever quotes it.
 */
export function readConnectionFile(file: string): ConnectionInfo {
  let text: string;
  try {
    text = readBoundedFile(file, 'connection file', FILE_CAPS.connection, hubError);
  } catch (e) {
    if (e instanceof IpcError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw hubError(`connection file ${file} not found; is a controller running? (start one with ipcontroller, or give --hub FILE)`);
    throw hubError(`cannot read the connection file ${file} (${code ?? String(e)})`);
  }
  let cfg: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    cfg = parsed as Record<string, unknown>;
  } catch {
    throw hubError(`${file} is not a connection file (expected the JSON that ipcontroller writes to ipcontroller-client.json)`);
  }
  const ssh = cfg['ssh'];
  if (typeof ssh === 'string' && ssh !== '') {
    throw hubError(`${file} asks for an ssh tunnel to ${ssh}, which ipc does not support; open one yourself with ssh -L for the registration and notification ports, then use a connection file without 'ssh'`);
  }
  const missing = ['interface', 'registration', 'notification', 'key', 'signature_scheme'].filter((k) => cfg[k] === undefined);
  if (missing.length > 0) {
    throw hubError(`connection file ${file} lacks ${missing.join(', ')}; it may come from an old ipyparallel: restart ipcontroller to write a new one`);
  }
  const pack = cfg['pack'] ?? 'json';
  if (pack !== 'json' || (cfg['unpack'] ?? 'json') !== 'json') {
    throw hubError(`the controller of ${file} packs messages with '${String(pack)}'; ipc speaks only json, the default (Session.packer)`);
  }
  const scheme = String(cfg['signature_scheme']);
  if (!(scheme in SIGNATURE_SCHEMES)) {
    throw hubError(`${file} asks for the signature scheme '${scheme}', which ipc does not know; the controller's default is hmac-sha256`);
  }
  const iface = String(cfg['interface']);
  const url = (name: string): string => {
    const port = cfg[name];
    if (typeof port === 'string' && port.includes('://')) return port;
    if (typeof port !== 'number' || !Number.isInteger(port)) throw hubError(`connection file ${file} has no valid '${name}' port`);
    return `${connectableInterface(iface)}:${port}`;
  };
  const curve = cfg['curve_serverkey'];
  return {
    file,
    registration: url('registration'),
    notification: url('notification'),
    iopub: cfg['iopub'] === undefined || cfg['iopub'] === null ? null : url('iopub'),
    control: cfg['control'] === undefined || cfg['control'] === null ? null : url('control'),
    key: String(cfg['key']),
    signatureScheme: scheme,
    curveServerKey: typeof curve === 'string' && curve !== '' ? curve : null,
    stamp: fileStamp(file) ?? text,
  };
}

/** Size and modification time: cheap to compare before each request. */
export function fileStamp(file: string): string | null {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

/** A controller bound to every interface is reached on the loopback, as ipyparallel's disambiguate_ip_address does. */
function connectableInterface(iface: string): string {
  return iface.replace(/:\/\/(\*|0\.0\.0\.0)$/, '://127.0.0.1');
}
