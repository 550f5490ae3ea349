import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { configError } from '../errors.js';
import { DB_CLASSES, type DbClass } from './file.js';

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
  /** <profile>/security/ipcontroller-client.json */
  readonly connectionFile: string;
  /** <profile>/security/ipcontroller-engines.json, the hub's saved engine map, when present. */
  readonly engineStateFile: string | null;
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

/** A Python string literal's value (single, double or triple quotes; r'' raw). */
function pyString(literal: string): string | null {
  const m = /^([rRuU]?)('''|"""|'|")([\s\S]*)\2$/.exec(literal.trim());
  if (!m) return null;
  if (m[1]!.toLowerCase() === 'r') return m[3]!;
  return m[3]!.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' })[c] ?? '\\' + c);
}

/**
 * Reads the assignments of an ipcontroller_config.py that say where the
 * controller keeps its records: `c.IPController.db_class` (or the older
 * `c.HubFactory.db_class`), `c.SQLiteDB.location/filename/table`,
 * `c.MongoDB.database`, `c.MongoDB.connection_args` (its first item, the URL)
 * and ipc's `c.MongoDB.url`. Other lines are Python that ipc does not run.
 */
export function readControllerConfig(source: string, path: string): Pick<ProfileInfo, 'dbClass' | 'sqlite' | 'mongo'> {
  let dbClass: DbClass | null = null;
  const sqlite: ProfileInfo['sqlite'] = {};
  const mongo: ProfileInfo['mongo'] = {};
  source.split('\n').forEach((line, i) => {
    const m = /^\s*c\.(\w+)\.(\w+)\s*=\s*(.+?)\s*(#.*)?$/.exec(line);
    if (!m) return;
    const [, cls, attr, rhs] = m as unknown as [string, string, string, string];
    const where = `${path}, line ${i + 1}`;
    if ((cls === 'IPController' || cls === 'HubFactory' || cls === 'IPControllerApp') && attr === 'db_class') {
      const v = pyString(rhs);
      const c = v === null ? null : dbClassOf(v);
      if (c === null) {
        throw configError(`${where}: c.${cls}.db_class: ipc reads 'SQLiteDB', 'MongoDB', 'DictDB', 'NoDB' or their import paths, not ${rhs}`);
      }
      dbClass = c;
    } else if (cls === 'SQLiteDB' && (attr === 'location' || attr === 'filename' || attr === 'table')) {
      const v = pyString(rhs);
      if (v === null) throw configError(`${where}: c.SQLiteDB.${attr}: ipc reads a string literal here, not ${rhs}`);
      sqlite[attr] = v;
    } else if (cls === 'MongoDB' && (attr === 'database' || attr === 'url')) {
      const v = pyString(rhs);
      if (v === null) throw configError(`${where}: c.MongoDB.${attr}: ipc reads a string literal here, not ${rhs}`);
      mongo[attr] = v;
    } else if (cls === 'MongoDB' && attr === 'connection_args') {
      const first = /^\[\s*((?:[rRuU]?)(?:'[^']*'|"[^"]*"))/.exec(rhs);
      const v = first ? pyString(first[1]!) : null;
      if (v !== null) mongo.url = v;
    }
  });
  return { dbClass, sqlite, mongo };
}

export function readProfile(name: string, dir: string): ProfileInfo {
  const profileDir = join(dir, `profile_${name}`);
  const exists = existsSync(profileDir);
  const configFile = join(profileDir, 'ipcontroller_config.py');
  let found: Pick<ProfileInfo, 'dbClass' | 'sqlite' | 'mongo'> = { dbClass: null, sqlite: {}, mongo: {} };
  const hasConfig = existsSync(configFile);
  if (hasConfig) found = readControllerConfig(readFileSync(configFile, 'utf8'), configFile);
  const engineState = join(profileDir, 'security', 'ipcontroller-engines.json');
  return {
    name,
    dir: profileDir,
    exists,
    configFile: hasConfig ? configFile : null,
    ...found,
    connectionFile: join(profileDir, 'security', 'ipcontroller-client.json'),
    engineStateFile: existsSync(engineState) ? engineState : null,
  };
}
