import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { IpcError, clip, configError, didYouMean } from '../errors.js';
import { FILE_CAPS, readBoundedFile } from '../files.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../format/index.js';
import { escapeRegExp } from '../query/index.js';

export type DbClass = 'SQLiteDB' | 'MongoDB' | 'DictDB' | 'NoDB';
export const DB_CLASSES: readonly DbClass[] = ['SQLiteDB', 'MongoDB', 'DictDB', 'NoDB'];

/** The keys of .ipcrc, validated. Class settings are named as ipyparallel names them. */
export interface IpcConfig {
  readonly db_class?: DbClass;
  readonly SQLiteDB?: { readonly location?: string; readonly filename?: string; readonly table?: string; readonly mmap?: boolean };
  readonly MongoDB?: { readonly url?: string; readonly database?: string };
  readonly DictDB?: { readonly record_limit?: number; readonly size_limit?: number; readonly cull_fraction?: number; readonly load?: string };
  readonly hub?: { readonly connection_file?: string; readonly timeout?: number; readonly max_message_size?: number };
  readonly session?: string;
  /** Engine id → uuid, or the path of a controller's saved engine map (<profile>/log/engines.json). */
  readonly engines?: Readonly<Record<string, string>> | string;
  readonly display?: { readonly timezone?: 'local' | 'utc'; readonly max_column_width?: number; readonly format?: OutputFormat };
  readonly profile?: string;
  readonly ipython_dir?: string;
  /** As ipcontroller --cluster-id: which of the profile's controllers. */
  readonly cluster_id?: string;
  /** Script mode may open the embedded demo store when nothing else is found (the interactive shell does anyway). */
  readonly demo?: boolean;
}

export interface LoadedConfig {
  readonly path: string;
  readonly config: IpcConfig;
}

type Check = (v: unknown) => string | null;
const text: Check = (v) => (typeof v === 'string' && v !== '' ? null : 'a non-empty string');
const trueOrFalse: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const positiveInt: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? null : 'a whole number above 0');
/** The longest wait a Node timer takes (2^31 - 1 ms); a longer one fires at once. */
export const MAX_TIMEOUT_SECONDS = 2_147_483;
/** The default and the largest hub message frame ipc takes, in MB (--max-message-size, hub.max_message_size). */
export const DEFAULT_MAX_MESSAGE_MB = 256;
export const MAX_MESSAGE_MB = 2048;
const seconds: Check = (v) => (typeof v === 'number' && v > 0 && v <= MAX_TIMEOUT_SECONDS ? null : `a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS} (about 24 days)`);
const oneOf = (xs: readonly string[]): Check => (v) => (typeof v === 'string' && xs.includes(v) ? null : `one of ${xs.map((x) => JSON.stringify(x)).join(', ')}`);

const SCHEMA: Record<string, Check | Record<string, Check>> = {
  db_class: oneOf(DB_CLASSES),
  SQLiteDB: { location: text, filename: text, table: text, mmap: trueOrFalse },
  MongoDB: { url: text, database: text },
  DictDB: {
    record_limit: positiveInt,
    size_limit: positiveInt,
    cull_fraction: (v) => (typeof v === 'number' && v > 0 && v <= 1 ? null : 'a number above 0 and at most 1'),
    load: text,
  },
  hub: { connection_file: text, timeout: seconds, max_message_size: (v) => (typeof v === 'number' && v >= 1 && v <= MAX_MESSAGE_MB ? null : `a number of MB from 1 to ${MAX_MESSAGE_MB}`) },
  session: text,
  engines: (v) => {
    if (typeof v === 'string' && v) return null;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return "a map of engine id to uuid, such as {0: 'uuid', 1: 'uuid'}, or the path of a controller's log/engines.json";
    if (Object.getPrototypeOf(v) !== Object.prototype) return "a map of engine id to uuid; '__proto__' is not an engine id";
    for (const [k, u] of Object.entries(v)) {
      if (!/^\d+$/.test(k)) return `a map whose keys are engine ids (0, 1, ...), not '${clip(k)}'`;
      if (typeof u !== 'string' || !u) return `a map whose values are engine uuids (text); engine ${k} has ${shown(u)}`;
    }
    return null;
  },
  display: { timezone: oneOf(['local', 'utc']), max_column_width: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 8 ? null : 'a whole number of 8 or more'), format: oneOf(OUTPUT_FORMATS) },
  profile: text,
  ipython_dir: text,
  cluster_id: text,
  demo: trueOrFalse,
};

/** The line of `key` (as a JSON5 key) in `source`, after the line of `parent` if given. */
function lineOfKey(source: string, key: string, parent?: string): number {
  const lines = source.split('\n');
  const keyRe = (k: string) => new RegExp(`(^|[\\s{,])(['"]?)${escapeRegExp(k)}\\2\\s*:`);
  let start = 0;
  if (parent) {
    const p = lines.findIndex((l) => keyRe(parent).test(l));
    if (p >= 0) start = p;
  }
  for (let i = start; i < lines.length; i++) if (keyRe(key).test(lines[i]!)) return i + 1;
  return 1;
}

function fail(path: string, line: number, key: string, sentence: string): IpcError {
  return configError(`${path}, line ${line}: ${clip(key)}: ${sentence}`);
}

/** A value quoted in a message: JSON, at most about 80 characters, whatever its depth. */
function shown(v: unknown): string {
  try {
    return clip(JSON.stringify(v) ?? String(v));
  } catch {
    return 'a value nested too deeply to show';
  }
}

/** The check for `key` in `schema`, only when it is the schema's own (never `toString` or `__proto__` of every object). */
function own<T>(schema: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(schema, key) ? schema[key] : undefined;
}

/** An object read from the file, refused when `__proto__` in it changed its prototype. */
function plainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Parses and validates the text of a configuration file. */
export function parseConfig(source: string, path: string): IpcConfig {
  let data: unknown;
  try {
    // Loaded here, not at start-up: most runs have no configuration file.
    const JSON5 = createRequire(import.meta.url)('json5') as typeof import('json5');
    data = JSON5.parse(source);
  } catch (e) {
    if (e instanceof RangeError) throw configError(`${path}: the configuration is nested too deeply to read; it is one object of a few levels`);
    const err = e as { lineNumber?: number; message: string };
    const msg = err.message.replace(/^JSON5: /, '').replace(/ at \d+:\d+$/, '');
    const hint = /invalid character '\d'/.test(msg) ? "; a key that is a number goes in quotes, as in engines: {'0': 'uuid'}" : '';
    throw configError(`${path}, line ${err.lineNumber ?? 1}: this is not JSON5 (${msg})${hint}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw configError(`${path}, line 1: the configuration is one JSON5 object, such as {db_class: 'SQLiteDB'}`);
  }
  if (!plainObject(data)) throw fail(path, lineOfKey(source, '__proto__'), '__proto__', `unknown key; the keys are ${Object.keys(SCHEMA).join(', ')}`);
  for (const [key, value] of Object.entries(data)) {
    const check = own(SCHEMA, key);
    if (!check) throw fail(path, lineOfKey(source, key), key, `unknown key${didYouMean(key, Object.keys(SCHEMA))}; the keys are ${Object.keys(SCHEMA).join(', ')}`);
    if (typeof check === 'function') {
      const want = check(value);
      if (want) throw fail(path, lineOfKey(source, key), key, `must be ${want}, not ${shown(value)}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw fail(path, lineOfKey(source, key), key, `must be an object with ${Object.keys(check).join(', ')}`);
    }
    if (!plainObject(value)) throw fail(path, lineOfKey(source, '__proto__', key), `${key}.__proto__`, `unknown key; ${key} takes ${Object.keys(check).join(', ')}`);
    for (const [sub, v] of Object.entries(value)) {
      const c = own(check, sub);
      const name = `${key}.${sub}`;
      if (!c) throw fail(path, lineOfKey(source, sub, key), name, `unknown key${didYouMean(sub, Object.keys(check))}; ${key} takes ${Object.keys(check).join(', ')}`);
      const want = c(v);
      if (want) throw fail(path, lineOfKey(source, sub, key), name, `must be ${want}, not ${shown(v)}`);
    }
  }
  return data as IpcConfig;
}

/**
 * The configuration file in force: --config, then $IPC_CONFIG, then .ipcrc
 * in the current directory, then ~/.ipcrc. A file named explicitly must exist.
 */
export function findConfig(explicit: string | null, env: NodeJS.ProcessEnv, cwd: string, home = homedir()): string | null {
  if (explicit) {
    const p = resolve(cwd, explicit);
    if (!existsSync(p)) throw configError(`the configuration file ${explicit} (--config) does not exist`);
    return p;
  }
  const fromEnv = env['IPC_CONFIG'];
  if (fromEnv) {
    const p = resolve(cwd, fromEnv);
    if (!existsSync(p)) throw configError(`the configuration file ${fromEnv} ($IPC_CONFIG) does not exist`);
    return p;
  }
  for (const p of [join(cwd, '.ipcrc'), join(home, '.ipcrc')]) if (existsSync(p)) return p;
  return null;
}

export function loadConfig(path: string): LoadedConfig {
  let source: string;
  try {
    source = readBoundedFile(path, 'configuration file', FILE_CAPS.config, configError);
  } catch (e) {
    if (e instanceof IpcError) throw e;
    throw configError(`cannot read the configuration file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return { path, config: parseConfig(source, path) };
}
