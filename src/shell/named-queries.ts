/**
 * Named queries (`%q`), kept across sessions in a JSON file of their own
 * beside the configuration (`~/.ipc_queries.json`), as psql's `\ns` and
 * litecli's `\fs` keep theirs: `%q NAME = STATEMENT` saves, `%q NAME ARGS…`
 * runs it with `$1`, `$2`, … replaced, `%q` lists them.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { IpcError, keyError, parseError, storeError } from '../errors.js';
import { FILE_CAPS, readBoundedFile } from '../files.js';

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
    let text: string;
    try {
      text = readBoundedFile(this.file, 'named-queries file', FILE_CAPS.queries, storeError);
    } catch (e) {
      // a missing or unreadable file holds no queries, as before any was saved
      if (!(e instanceof IpcError)) return new Map();
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw storeError(`${this.file} is not JSON; fix or remove it to keep named queries`);
    }
    const out = new Map<string, string>();
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out.set(k, v);
    }
    return out;
  }
}

/** `%q` arguments: words, or quoted text kept whole (quotes and all, as they stand in the statement). */
export function splitQueryArgs(text: string): string[] {
  return [...text.matchAll(/'[^']*'|"[^"]*"|\S+/g)].map((m) => m[0]);
}
