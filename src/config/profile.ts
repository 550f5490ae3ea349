import { existsSync, readdirSync, statSync } from 'node:fs';
import { FILE_CAPS, readBoundedFile } from '../files.js';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { IpcError, clip, configError } from '../errors.js';
import { DB_CLASSES, type DbClass } from './file.js';
import { topLevelStatements, type PyStringToken } from './python-source.js';

/** What an IPython profile says of the controller's store. */
export interface ProfileInfo {
  readonly name: string;
  readonly dir: string;
  readonly exists: boolean;
  /** The ipcontroller_config.py read, if there is one. */
  readonly configFile: string | null;
  readonly dbClass: DbClass | null;
  readonly sqlite: { location?: string; filename?: string; table?: string };
  readonly mongo: { url?: string; database?: string };
  /** The cluster id the files below are named with ('' for a controller started without --cluster-id). */
  readonly clusterId: string;
  /** <profile>/security/ipcontroller[-<cluster id>]-client.json */
  readonly connectionFile: string;
  /** <profile>/log/engines[<cluster id>].json, where a running 7.x controller keeps its engine map (id → uuid), when present. */
  readonly engineStateFile: string | null;
  /** What ipc could not read in the config file and left out, one sentence each. */
  readonly notes: readonly string[];
}

/** $IPYTHONDIR, else ~/.ipython; --ipython-dir overrides both. */
export function ipythonDir(explicit: string | null, env: NodeJS.ProcessEnv, cwd: string, home = homedir()): string {
  if (explicit) return resolve(cwd, explicit);
  if (env['IPYTHONDIR']) return resolve(cwd, env['IPYTHONDIR']);
  return join(home, '.ipython');
}

/** The db_class names as ipcontroller accepts them: short aliases or import paths. */
function dbClassOf(value: string): DbClass | null {
  const last = value.split('.').pop()!;
  const alias: Record<string, DbClass> = { sqlitedb: 'SQLiteDB', mongodb: 'MongoDB', dictdb: 'DictDB', nodb: 'NoDB' };
  if ((DB_CLASSES as readonly string[]).includes(last)) return last as DbClass;
  return alias[last.toLowerCase()] ?? null;
}

/** The value of a right-hand side that is one string literal (or adjacent ones, joined), else null. */
function stringValue(rhs: string, strings: readonly PyStringToken[]): string | null {
  const inParens = /^\(([\s\S]*)\)$/.exec(rhs);
  if (inParens) rhs = inParens[1]!.trim();
  const parts = /^(?:\u0000\d+\u0000\s*)+$/.test(rhs) ? [...rhs.matchAll(/\u0000(\d+)\u0000/g)] : null;
  if (!parts) return null;
  let out = '';
  for (const p of parts) {
    const v = strings[Number(p[1])]!.value;
    if (v === null) return null;
    out += v;
  }
  return out;
}

/** The right-hand side as the file has it, strings shown as quoted text, for a note. */
function shownRhs(rhs: string, strings: readonly PyStringToken[]): string {
  return clip(rhs.replace(/\u0000(\d+)\u0000/g, (_, n: string) => {
    const v = strings[Number(n)]!.value;
    return v === null ? "'…'" : JSON.stringify(v);
  }), 60);
}

/**
 * Reads the assignments of an ipcontroller_config.py that say where the
 * controller keeps its records: `c.IPController.db_class` (or the older
 * `c.HubFactory.db_class`), `c.SQLiteDB.location/filename/table`,
 * `c.MongoDB.database`, `c.MongoDB.connection_args` (its first item, the URL)
 * and ipc's `c.MongoDB.url`. Only top-level assignments of string literals
 * count (never one inside a string or an indented block); the file is never
 * run, and a value that is not a literal is left out with a note.
 */
export function readControllerConfig(source: string, path: string): Pick<ProfileInfo, 'dbClass' | 'sqlite' | 'mongo' | 'notes'> {
  let dbClass: DbClass | null = null;
  const sqlite: ProfileInfo['sqlite'] = {};
  const mongo: ProfileInfo['mongo'] = {};
  const notes: string[] = [];
  for (const st of topLevelStatements(source)) {
    const m = /^c\.(\w+)\.(\w+)\s*=(?!=)\s*([\s\S]+)$/.exec(st.text);
    if (!m) continue;
    const [, cls, attr, rhs] = m as unknown as [string, string, string, string];
    const where = `${path}, line ${st.line}`;
    const value = stringValue(rhs.trim(), st.strings);
    const skip = () => notes.push(`${where}: c.${cls}.${attr} is not a string literal (${shownRhs(rhs.trim(), st.strings)}); ipc left it out`);
    if ((cls === 'IPController' || cls === 'HubFactory' || cls === 'IPControllerApp') && attr === 'db_class') {
      const c = value === null ? null : dbClassOf(value);
      if (c === null) {
        // A store ipc cannot name would send it to the wrong database: this one is an error, not a note.
        throw configError(`${where}: c.${cls}.db_class: ipc reads 'SQLiteDB', 'MongoDB', 'DictDB', 'NoDB' or their import paths, not ${shownRhs(rhs.trim(), st.strings)}`);
      }
      dbClass = c;
    } else if (cls === 'SQLiteDB' && (attr === 'location' || attr === 'filename' || attr === 'table')) {
      if (value === null) skip();
      else sqlite[attr] = value;
    } else if (cls === 'MongoDB' && (attr === 'database' || attr === 'url')) {
      if (value === null) skip();
      else mongo[attr] = value;
    } else if (cls === 'MongoDB' && attr === 'connection_args') {
      const first = /^[[(]\s*(\u0000\d+\u0000)\s*[,\])]/.exec(rhs.trim());
      const v = first ? stringValue(first[1]!, st.strings) : null;
      if (v !== null) mongo.url = v;
    }
  }
  return { dbClass, sqlite, mongo, notes };
}

/**
 * The cluster ids of the controllers that left a client connection file in
 * the profile, newest first: `ipp.Cluster()` starts its controller with a
 * random `--cluster-id`, and the controller names its files after it.
 */
export function clusterIds(profileDir: string): string[] {
  const security = join(profileDir, 'security');
  let names: string[];
  try {
    names = readdirSync(security);
  } catch {
    return [];
  }
  const found: { id: string; mtime: number }[] = [];
  for (const n of names) {
    const m = /^ipcontroller-(.+)-client\.json$/.exec(n);
    if (!m) continue;
    try {
      found.push({ id: m[1]!, mtime: statSync(join(security, n)).mtimeMs });
    } catch {
      // removed between the listing and the stat: that controller has stopped
    }
  }
  return found.sort((a, b) => b.mtime - a.mtime || (a.id < b.id ? -1 : 1)).map((f) => f.id);
}

/**
 * Every cluster id the profile has files of, sorted: a controller's
 * connection files (security/ipcontroller-<id>-client.json, -engine.json),
 * ipcluster's security/cluster-<id>.json, and the engine map a controller
 * keeps in log/engines<id>.json (left when it stops).
 */
export function knownClusterIds(profileDir: string): string[] {
  const ids = new Set<string>();
  const scan = (sub: string, re: RegExp) => {
    let names: string[] = [];
    try {
      names = readdirSync(join(profileDir, sub));
    } catch {
      // no such folder: no clusters there
    }
    for (const n of names) {
      const m = re.exec(n);
      if (m && m[1]) ids.add(m[1]);
    }
  };
  scan('security', /^ipcontroller-(.+)-(?:client|engine)\.json$/);
  scan('security', /^cluster-(.+)\.json$/);
  scan('log', /^engines(.+)\.json$/);
  return [...ids].sort();
}

/**
 * Which controller of the profile: the cluster id asked for, which must be
 * one the profile has files of (a mistyped id would otherwise open the
 * profile's plain tasks.db and say no controller runs); else none when a
 * controller without one left its connection file; else the newest
 * cluster's. `others` counts the clusters not chosen.
 */
export function chooseCluster(profileDir: string, asked: string | null, askedBy = '--cluster-id'): { id: string; others: number } {
  if (asked !== null && asked !== '') {
    const known = knownClusterIds(profileDir);
    if (!known.includes(asked)) {
      const there = known.length ? `its clusters are ${known.map((k) => `'${clip(k, 40)}'`).join(', ')}` : 'it has no cluster with an id (ipp.Cluster() or ipcontroller --cluster-id makes one)';
      throw configError(`there is no cluster '${clip(asked, 40)}' (from ${askedBy}) in ${profileDir}: no security/ipcontroller-${clip(asked, 40)}-client.json nor log/engines${clip(asked, 40)}.json; ${there}`);
    }
    return { id: asked, others: 0 };
  }
  if (existsSync(join(profileDir, 'security', 'ipcontroller-client.json'))) return { id: '', others: 0 };
  const ids = clusterIds(profileDir);
  return ids.length === 0 ? { id: '', others: 0 } : { id: ids[0]!, others: ids.length - 1 };
}

export function readProfile(name: string, dir: string, clusterId = ''): ProfileInfo {
  const profileDir = join(dir, `profile_${name}`);
  const exists = existsSync(profileDir);
  const configFile = join(profileDir, 'ipcontroller_config.py');
  let found: Pick<ProfileInfo, 'dbClass' | 'sqlite' | 'mongo' | 'notes'> = { dbClass: null, sqlite: {}, mongo: {}, notes: [] };
  const hasConfig = existsSync(configFile);
  if (hasConfig) found = readControllerConfig(readConfigText(configFile), configFile);
  const engineState = join(profileDir, 'log', `engines${clusterId}.json`);
  return {
    name,
    dir: profileDir,
    exists,
    configFile: hasConfig ? configFile : null,
    ...found,
    clusterId,
    connectionFile: join(profileDir, 'security', clusterId ? `ipcontroller-${clusterId}-client.json` : 'ipcontroller-client.json'),
    engineStateFile: existsSync(engineState) ? engineState : null,
  };
}

/** The text of a profile's config file; one sentence when it is a directory, unreadable, or not a file. */
function readConfigText(path: string): string {
  try {
    return readBoundedFile(path, "profile's controller configuration", FILE_CAPS.controllerConfig, configError);
  } catch (e) {
    if (e instanceof IpcError) throw e;
    throw configError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
