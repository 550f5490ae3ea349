/**
 * Named queries (`%q`), kept across sessions in a JSON file of their own
 * beside the configuration (`~/.ipc_queries.json`), as psql's `\ns` and
 * litecli's `\fs` keep theirs: `%q NAME = STATEMENT` saves, `%q NAME ARGS…`
 * runs it with `$1`, `$2`, … replaced, `%q` lists them.
 */
import { closeSync, constants, fstatSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { keyError, parseError, storeError } from '../errors.js';

/** A queries file past this is not ours to read. */
const MAX_FILE_BYTES = 1 << 20;

export function defaultQueriesFile(): string {
  return join(homedir(), '.ipc_queries.json');
}

export class NamedQueries {
  private loaded: Map<string, string> | null = null;

  constructor(readonly file: string | null) {}

  /** name → statement, read once (a missing file is none). */
  all(): ReadonlyMap<string, string> {
    this.loaded ??= this.read();
    return this.loaded;
  }

  names(): string[] {
    return [...this.all().keys()].sort();
  }

  save(name: string, statement: string): void {
    if (!/^[A-Za-z_][\w-]*$/.test(name)) throw parseError(`a query name is a word such as recent_errors, not '${name}'`);
    if (this.file === null) throw storeError('named queries are not kept in this session (no home directory)');
    const next = new Map(this.all());
    next.set(name, statement);
    const partial = `${this.file}.partial-${process.pid}`;
    writeFileSync(partial, JSON.stringify(Object.fromEntries(next), null, 2) + '\n', { mode: 0o600 });
    renameSync(partial, this.file);
    this.loaded = next;
  }

  /** The statement of NAME with `$1`, `$2`, … replaced by the arguments, in order. */
  expand(name: string, args: readonly string[]): string {
    const statement = this.all().get(name);
    if (statement === undefined) {
      const known = this.names();
      throw keyError(`no query named '${name}'${known.length ? `; the named queries are ${known.join(', ')}` : '; save one with %q NAME = STATEMENT'}`);
    }
    let wanted = 0;
    for (const m of statement.matchAll(/\$(\d+)/g)) wanted = Math.max(wanted, Number(m[1]));
    if (args.length < wanted) throw parseError(`%q ${name} takes ${wanted} argument${wanted === 1 ? '' : 's'} ($1 … $${wanted}): ${statement}`);
    return statement.replace(/\$(\d+)/g, (all, n: string) => args[Number(n) - 1] ?? all);
  }

  private read(): Map<string, string> {
    if (this.file === null) return new Map();
    let fd: number;
    try {
      fd = openSync(this.file, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      return new Map();
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw storeError(`${this.file} is not a regular file; named queries are kept there`);
      if (st.size > MAX_FILE_BYTES) throw storeError(`${this.file} is larger than ${MAX_FILE_BYTES} bytes; it is not a named-queries file`);
      const buf = Buffer.alloc(st.size);
      readSync(fd, buf, 0, st.size, 0);
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8'));
      } catch {
        throw storeError(`${this.file} is not JSON; fix or remove it to keep named queries`);
      }
      const out = new Map<string, string>();
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out.set(k, v);
      }
      return out;
    } finally {
      closeSync(fd);
    }
  }
}

/** `%q` arguments: words, or quoted text kept whole (quotes and all, as they stand in the statement). */
export function splitQueryArgs(text: string): string[] {
  return [...text.matchAll(/'[^']*'|"[^"]*"|\S+/g)].map((m) => m[0]);
}
