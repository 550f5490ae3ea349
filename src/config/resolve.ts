import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { IpcError, configError } from '../errors.js';
import { FILE_CAPS, checkBoundedFile, readBoundedFile } from '../files.js';
import type { OutputFormat } from '../format/index.js';
import type { CliOptions } from './argv.js';
import { DEFAULT_MAX_MESSAGE_MB, findConfig, loadConfig, type IpcConfig } from './file.js';
import { chooseCluster, ipythonDir, readProfile, type ProfileInfo } from './profile.js';

/** Which store or hub to open, as the flags, configuration and profile decided. */
export type StoreSpec =
  | { readonly kind: 'sqlite'; readonly path: string; readonly table: string | null }
  | { readonly kind: 'mongodb'; readonly url: string | null; readonly database: string | null; readonly allowJs: boolean; readonly timeoutMs: number | null }
  | { readonly kind: 'dictdb'; readonly load: string | null; readonly recordLimit?: number; readonly sizeLimit?: number; readonly cullFraction?: number }
  | { readonly kind: 'nodb' }
  | {
      readonly kind: 'hub';
      readonly connectionFile: string;
      readonly timeoutMs: number | null;
      /** The largest message frame taken from the hub, in bytes. */
      readonly maxMessageBytes: number;
      /** Set when the hub was found rather than asked for: how long it may take to answer before ipc opens `Settings.fallback`. */
      readonly probeMs?: number;
    }
  | { readonly kind: 'demo' }
  /** Nothing was found, where the demo store may not stand in (script mode): opening it is the ConfigError `why`. */
  | { readonly kind: 'none'; readonly why: string };

export interface Settings {
  readonly store: StoreSpec;
  /** Where the store choice came from, for the banner and the demo note. */
  readonly origin: string;
  /** Whether a flag chose the store (then the banner need not say why). */
  readonly chosenByFlag: boolean;
  /** What to open when a found controller does not answer (see StoreSpec hub.probeMs). */
  readonly fallback: { readonly store: StoreSpec; readonly origin: string } | null;
  readonly session: string | null;
  readonly sessionOrigin: string;
  readonly engines: Map<number, string> | null;
  readonly format: OutputFormat;
  readonly timezone: 'local' | 'utc';
  readonly maxColumnWidth: number;
  readonly write: boolean;
  /** Read a SQLite file through a memory map (--mmap, SQLiteDB.mmap). */
  readonly mmap: boolean;
  readonly yes: boolean;
  readonly configPath: string | null;
  readonly profile: ProfileInfo;
  /** One line of what the profile reader left out, when the profile's settings were consulted. */
  readonly profileNote: string | null;
}

export interface Environment {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly home?: string;
  /**
   * Whether finding nothing may open the embedded demo store: the
   * interactive shell, whose banner says so. Script mode exits instead
   * (unless `demo: true` in the configuration), since its output could
   * pass for the user's own numbers.
   */
  readonly demoWhenNothing?: boolean;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

/** How long plain ipc waits for the profile's controller before it opens the profile's store instead. */
export const PROBE_MS = 1500;

/**
 * Flags, then the configuration file, then the profile (its running
 * controller, its db_class, its tasks.db), then the demo store.
 */
export function resolveSettings(cli: CliOptions, environment: Environment): Settings {
  const { env, cwd } = environment;
  const home = environment.home ?? homedir();
  const configPath = findConfig(cli.config, env, cwd, home);
  const config: IpcConfig = configPath ? loadConfig(configPath).config : {};
  const configDir = configPath ? dirname(configPath) : cwd;
  const fromConfig = (p: string) => resolve(configDir, expandHome(p, home));
  const fromCwd = (p: string) => resolve(cwd, expandHome(p, home));

  const dir = cli.ipythonDir ? ipythonDir(cli.ipythonDir, env, cwd, home) : config.ipython_dir ? fromConfig(config.ipython_dir) : ipythonDir(null, env, cwd, home);
  const profileName = cli.profile ?? config.profile ?? 'default';
  const cluster = chooseCluster(join(dir, `profile_${profileName}`), cli.clusterId ?? config.cluster_id ?? null, cli.clusterId !== null ? '--cluster-id' : `cluster_id in ${configPath}`);
  const profile = readProfile(profileName, dir, cluster.id);
  if (cli.profile !== null && !profile.exists) {
    throw configError(`there is no profile '${profileName}' in ${dir} (no directory profile_${profileName}); create it with ipython profile create --parallel ${profileName}, or check --ipython-dir`);
  }

  // the profile's notes matter only when its settings are consulted
  let consulted = false;
  const sqlitePath = (given: string | null): string => {
    if (given) return fromCwd(given);
    consulted = true;
    const c = config.SQLiteDB ?? {};
    const location = c.location ? fromConfig(c.location) : profile.sqlite.location ? resolve(profile.dir, expandHome(profile.sqlite.location, home)) : profile.dir;
    return join(location, c.filename ?? profile.sqlite.filename ?? 'tasks.db');
  };
  const sqliteTable = () => cli.table ?? config.SQLiteDB?.table ?? profile.sqlite.table ?? null;
  const mongo = (url: string | null): StoreSpec => {
    if (url === null) consulted = true;
    return {
      kind: 'mongodb',
      url: url ?? config.MongoDB?.url ?? profile.mongo.url ?? null,
      database: cli.database ?? config.MongoDB?.database ?? profile.mongo.database ?? null,
      allowJs: cli.allowJs,
      timeoutMs: cli.timeout !== null ? cli.timeout * 1000 : null,
    };
  };
  const dictdb = (): StoreSpec => ({
    kind: 'dictdb',
    load: cli.load ? fromCwd(cli.load) : config.DictDB?.load ? fromConfig(config.DictDB.load) : null,
    ...(config.DictDB?.record_limit !== undefined ? { recordLimit: config.DictDB.record_limit } : {}),
    ...(config.DictDB?.size_limit !== undefined ? { sizeLimit: config.DictDB.size_limit } : {}),
    ...(config.DictDB?.cull_fraction !== undefined ? { cullFraction: config.DictDB.cull_fraction } : {}),
  });
  const hub = (file: string | null): StoreSpec => ({
    kind: 'hub',
    connectionFile: file ? fromCwd(file) : config.hub?.connection_file ? fromConfig(config.hub.connection_file) : profile.connectionFile,
    timeoutMs: cli.timeout !== null ? cli.timeout * 1000 : config.hub?.timeout !== undefined ? config.hub.timeout * 1000 : null,
    maxMessageBytes: Math.round((cli.maxMessageSize ?? config.hub?.max_message_size ?? DEFAULT_MAX_MESSAGE_MB) * 2 ** 20),
  });
  const byClass = (cls: string): StoreSpec =>
    cls === 'SQLiteDB' ? { kind: 'sqlite', path: sqlitePath(null), table: sqliteTable() } : cls === 'MongoDB' ? mongo(null) : cls === 'NoDB' ? { kind: 'nodb' } : dictdb();

  let store: StoreSpec;
  let origin: string;
  let fallback: Settings['fallback'] = null;
  if (cli.store) {
    origin = `--${cli.store.flag}`;
    const v = cli.store.value;
    switch (cli.store.flag) {
      case 'sqlitedb': store = { kind: 'sqlite', path: sqlitePath(v), table: sqliteTable() }; break;
      case 'mongodb': store = mongo(v); break;
      case 'dictdb': store = dictdb(); break;
      case 'nodb': store = { kind: 'nodb' }; break;
      case 'hub': store = hub(v); break;
      case 'demo': store = { kind: 'demo' }; break;
    }
  } else if (config.db_class) {
    store = byClass(config.db_class);
    origin = `db_class in ${configPath}`;
  } else if (config.hub?.connection_file) {
    store = hub(null);
    origin = `hub.connection_file in ${configPath}`;
  } else {
    // Plain ipc: what the profile's controller uses, a running one first.
    consulted = true;
    const where = `profile ${profile.name} in ${dir}`;
    const controllerFile = existsSync(profile.connectionFile);
    let rest: { store: StoreSpec; origin: string };
    if (profile.dbClass) rest = { store: byClass(profile.dbClass), origin: `db_class in ${profile.configFile}` };
    else if (existsSync(sqlitePath(null))) rest = { store: { kind: 'sqlite', path: sqlitePath(null), table: sqliteTable() }, origin: `the tasks.db of ${where}${controllerFile ? '' : ', where no controller is running'}` };
    else {
      const looked = profile.exists
        ? `${where} has no running controller and no tasks.db (${sqlitePath(null)})`
        : `no store flag, ${configPath ? `no store named in ${configPath}` : 'no configuration file (--config, $IPC_CONFIG, ./.ipcrc, ~/.ipcrc)'}, no ${where}`;
      rest = { store: { kind: 'demo' }, origin: `no store was found: ${looked}` };
      if (!(environment.demoWhenNothing ?? true) && config.demo !== true) {
        const why = `${rest.origin}; ${controllerFile ? '' : 'name one (--sqlitedb FILE, --hub FILE, --profile NAME, --ipython-dir DIR), or '}use --demo for the embedded demo store`;
        rest = { store: { kind: 'none', why }, origin: rest.origin };
      }
    }
    if (controllerFile) {
      store = { ...(hub(null) as Extract<StoreSpec, { kind: 'hub' }>), probeMs: PROBE_MS };
      const which = profile.clusterId ? `cluster ${profile.clusterId} of ${where}` : where;
      const others = cluster.others > 0 ? ` (the newest of ${cluster.others + 1} clusters; --cluster-id picks another)` : '';
      origin = `the running controller of ${which}${others}`;
      fallback = rest;
    } else {
      store = rest.store;
      origin = rest.origin;
    }
  }

  if (cli.table && store.kind !== 'sqlite') throw configError(`--table names a table of a SQLite file, but the store is ${store.kind} (from ${origin})`);
  if (cli.mmap && store.kind !== 'sqlite') throw configError(`--mmap reads a SQLite file, but the store is ${store.kind} (from ${origin})`);

  const session = cli.session ?? config.session ?? null;
  return {
    store,
    origin,
    chosenByFlag: cli.store !== null,
    fallback,
    session,
    sessionOrigin: cli.session ? '--session' : config.session ? `session in ${configPath}` : '',
    engines: readEngines(config, configPath, fromConfig, profile),
    format: cli.format ?? config.display?.format ?? 'table',
    timezone: cli.timezone ?? config.display?.timezone ?? 'local',
    maxColumnWidth: config.display?.max_column_width ?? 40,
    write: cli.write,
    mmap: cli.mmap || (config.SQLiteDB?.mmap ?? false),
    yes: cli.yes,
    configPath,
    profile,
    profileNote: consulted && profile.notes.length > 0 ? `${profile.notes[0]}${profile.notes.length > 1 ? ` (and ${profile.notes.length - 1} more left out)` : ''}` : null,
  };
}

/**
 * A file that the flags or the configuration name and that is not there is
 * a usage error (exit status 2), not a failure of the store. A connection
 * file that plain ipc only tried has its fallback instead.
 */
export function checkStoreFiles(settings: Settings): void {
  if (settings.fallback) return;
  const { store, origin } = settings;
  const [file, what] =
    store.kind === 'sqlite' ? [store.path, 'SQLite file']
    : store.kind === 'hub' ? [store.connectionFile, 'connection file']
    : store.kind === 'dictdb' && store.load ? [store.load, 'records file to load']
    : [null, ''];
  if (file === null) return;
  if (existsSync(file)) {
    // a FIFO, a device or a huge file named as the hub's or the records': one sentence now, before anything opens
    try {
      if (store.kind === 'hub') checkBoundedFile(file, 'connection file', FILE_CAPS.connection, configError);
      if (store.kind === 'dictdb') checkBoundedFile(file, 'records file', FILE_CAPS.records, configError);
    } catch (e) {
      // an unreadable file is said when it is opened
      if (e instanceof IpcError) throw e;
    }
    return;
  }
  const hint = store.kind === 'hub' ? '; is the controller running (ipcontroller writes it at start)?' : '';
  throw configError(`there is no ${what} ${file} (from ${origin})${hint}`);
}

function readEngines(config: IpcConfig, configPath: string | null, fromConfig: (p: string) => string, profile: ProfileInfo): Map<number, string> | null {
  const e = config.engines;
  if (e && typeof e === 'object') return new Map(Object.entries(e).map(([k, v]) => [Number(k), v]));
  if (typeof e === 'string') {
    const file = fromConfig(e);
    const where = `engines in ${configPath}`;
    return parseEngineMap(readEngineText(file, where), file, where);
  }
  if (!profile.engineStateFile) return null;
  // The controller's own file: it rewrites it as engines come and go, so a
  // half-written or vanished one is not the user's mistake; a FIFO, a
  // device or a huge file there is said all the same.
  const file = profile.engineStateFile;
  const where = "the controller's engine state";
  let text: string;
  try {
    text = readBoundedFile(file, 'engine map', FILE_CAPS.engines, (s) => configError(`${s} (${where})`));
  } catch (err) {
    if (err instanceof IpcError) throw err;
    return null;
  }
  try {
    return parseEngineMap(text, file, where);
  } catch {
    return null;
  }
}

function readEngineText(file: string, where: string): string {
  try {
    return readBoundedFile(file, 'engine map', FILE_CAPS.engines, (s) => configError(`${s} (${where})`));
  } catch (e) {
    if (e instanceof IpcError) throw e;
    throw configError(`cannot read the engine map ${file} (${where}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** An engine map file: `{"engines": {"0": uuid, ...}, "next_id": n}` as ipcontroller saves it, or the bare map. */
function parseEngineMap(text: string, file: string, where: string): Map<number, string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw configError(`${file} (${where}) is not readable JSON (${(err as Error).message})`);
  }
  const map = (data as { engines?: unknown } | null)?.engines ?? data;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw configError(`${file} (${where}) holds no engine map: expected {"engines": {"0": "uuid", ...}}`);
  }
  return new Map(Object.entries(map as Record<string, unknown>).filter(([k, v]) => /^\d+$/.test(k) && typeof v === 'string').map(([k, v]) => [Number(k), v as string]));
}
