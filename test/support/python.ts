/**
 * Runs real ipyparallel code with Debian's /usr/bin/python3 and exchanges
 * values as tagged JSON: {"$date": iso} for datetimes, {"$bytes": base64}
 * for buffers. The Python side decodes and encodes with the same tags.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Timestamp, isDict, type Value } from '../../src/records/index.js';

export const PYTHON = '/usr/bin/python3';

/**
 * True, or a loud failure: `npm test` installs ipyparallel first
 * (test/prerequisites.mjs), so no test is ever skipped for want of it.
 */
export function havePython(): boolean {
  if (existsSync(PYTHON) && existsSync('/usr/lib/python3/dist-packages/ipyparallel')) return true;
  throw new Error('python3-ipyparallel is not installed: run the tests with npm test, which installs it (or apt-get install -y python3-ipyparallel)');
}

/** True, or a loud failure when Python cannot import pymongo (`npm test` installs python3-pymongo). */
export function havePymongo(): boolean {
  if (havePython() && spawnSync(PYTHON, ['-c', 'import pymongo'], { stdio: 'ignore' }).status === 0) return true;
  throw new Error('python3-pymongo is not installed: run the tests with npm test, which installs it (or apt-get install -y python3-pymongo)');
}

/** Python `decode(obj)` and `encode(obj)` of the tagged JSON. */
export const PY_CODECS = String.raw`
import sys, json, base64, datetime
from dateutil.parser import isoparse as _isoparse
def decode(o):
    if isinstance(o, dict):
        if set(o) == {'$date'}:
            return _isoparse(o['$date'])
        if set(o) == {'$bytes'}:
            return base64.b64decode(o['$bytes'])
        return {k: decode(v) for k, v in o.items()}
    if isinstance(o, list):
        return [decode(v) for v in o]
    return o
def encode(o):
    if isinstance(o, datetime.datetime):
        if o.tzinfo is None:
            from dateutil.tz import tzlocal
            o = o.replace(tzinfo=tzlocal())
        return {'$date': o.astimezone(datetime.timezone.utc).isoformat().replace('+00:00', 'Z')}
    if isinstance(o, (bytes, bytearray, memoryview)):
        return {'$bytes': base64.b64encode(bytes(o)).decode()}
    if isinstance(o, dict):
        return {k: encode(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [encode(v) for v in o]
    return o
`;

/** Python helpers prepended to every script: `decode(obj)`, `encode(obj)`, `INPUT`, `emit(obj)`. */
export const PY_PRELUDE = PY_CODECS + String.raw`
INPUT = decode(json.loads(sys.stdin.read() or 'null'))
def emit(o):
    sys.stdout.write(json.dumps(encode(o)))
`;

export function encodeTagged(v: unknown): unknown {
  if (v instanceof Timestamp) return { $date: v.toISOString() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(encodeTagged);
  if (isDict(v as Value)) return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, encodeTagged(x)]));
  return v;
}

export function decodeTagged(v: unknown): Value {
  if (Array.isArray(v)) return v.map(decodeTagged);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$date') return Timestamp.parse(o['$date'] as string)!;
    if (keys.length === 1 && keys[0] === '$bytes') return new Uint8Array(Buffer.from(o['$bytes'] as string, 'base64'));
    return Object.fromEntries(keys.map((k) => [k, decodeTagged(o[k])]));
  }
  return v as Value;
}

/** Runs `body` (after the prelude) with `input` on stdin; returns what it emit()s. */
export async function runPython(body: string, input: unknown = null, env: NodeJS.ProcessEnv = {}): Promise<Value> {
  const child = spawn(PYTHON, ['-c', PY_PRELUDE + '\n' + body], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  child.stdin.end(JSON.stringify(encodeTagged(input)));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`python exited ${code}:\n${err}`);
  return decodeTagged(out ? JSON.parse(out) : null);
}
