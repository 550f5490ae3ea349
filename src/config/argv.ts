import { clip, configError, didYouMean } from '../errors.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../format/index.js';
import { DEFAULT_MAX_MESSAGE_MB, MAX_MESSAGE_MB, MAX_TIMEOUT_SECONDS } from './file.js';

/** What the command line says, before the configuration file and the profile are read. */
export interface CliOptions {
  help: boolean;
  version: boolean;
  /** -c 'STATEMENTS' */
  command: string | null;
  /** The script file; '-' is stdin. */
  file: string | null;
  format: OutputFormat | null;
  bail: boolean;
  /** Which store, when a flag names one; `value` is the optional PATH, URL or connection file. */
  store: { flag: 'sqlitedb' | 'mongodb' | 'dictdb' | 'nodb' | 'hub' | 'demo'; value: string | null } | null;
  table: string | null;
  database: string | null;
  load: string | null;
  profile: string | null;
  /** --cluster-id: which of the profile's controllers (as ipcontroller --cluster-id). */
  clusterId: string | null;
  ipythonDir: string | null;
  config: string | null;
  session: string | null;
  write: boolean;
  mmap: boolean;
  yes: boolean;
  timeout: number | null;
  /** --max-message-size, in MB. */
  maxMessageSize: number | null;
  allowJs: boolean;
  timezone: 'local' | 'utc' | null;
  noColor: boolean;
  /** Start the interactive shell even when a script is also given? No: force script mode when stdin is a terminal. */
  script: boolean;
}

interface FlagSpec {
  readonly name: string;
  readonly arg: 'none' | 'required' | 'optional';
  readonly help: string;
  readonly metavar?: string;
  readonly alias?: string;
}

export const FLAGS: readonly FlagSpec[] = [
  { name: 'sqlitedb', arg: 'optional', metavar: 'PATH', help: 'open a tasks.db written by ipcontroller --sqlitedb (default <profile>/tasks.db)' },
  { name: 'table', arg: 'required', metavar: 'NAME', help: "the task table of the SQLite file (default ipython-tasks; '*' = every task table)" },
  { name: 'mongodb', arg: 'optional', metavar: 'URL', help: 'open the database of ipcontroller --mongodb (default mongodb://localhost:27017)' },
  { name: 'database', arg: 'required', metavar: 'NAME', help: 'the MongoDB database (default ipython-tasks)' },
  { name: 'allow-js', arg: 'none', help: 'let MongoDB queries run server-side JavaScript ($where, $function, $accumulator)' },
  { name: 'dictdb', arg: 'none', help: 'an in-memory DictDB (empty, or filled by --load)' },
  { name: 'load', arg: 'required', metavar: 'FILE.jsonl', help: 'records for --dictdb, as --format jsonl writes them' },
  { name: 'nodb', arg: 'none', help: 'a NoDB, which keeps nothing (every read raises NoData, as in ipyparallel)' },
  { name: 'hub', arg: 'optional', metavar: 'CONNECTION_FILE', help: 'connect to a running ipcontroller (default <profile>/security/ipcontroller-client.json)' },
  { name: 'timeout', arg: 'required', metavar: 'SECONDS', help: 'how long a hub request (default 10) or finding a MongoDB server (default 5) may take' },
  { name: 'max-message-size', arg: 'required', metavar: 'MB', help: `the largest message frame taken from a hub (default ${DEFAULT_MAX_MESSAGE_MB}, at most ${MAX_MESSAGE_MB})` },
  { name: 'demo', arg: 'none', help: 'the embedded demo store of generated records' },
  { name: 'profile', arg: 'required', metavar: 'NAME', help: "the IPython profile whose ipcontroller_config.py and tasks.db to use (default 'default')" },
  { name: 'cluster-id', arg: 'required', metavar: 'ID', help: "which of the profile's controllers, as ipcontroller --cluster-id (default: ipcontroller-client.json, else the newest cluster's)" },
  { name: 'ipython-dir', arg: 'required', metavar: 'DIR', help: 'where the profiles live (default $IPYTHONDIR or ~/.ipython)' },
  { name: 'config', arg: 'required', metavar: 'FILE', help: 'the ipc configuration (default $IPC_CONFIG, ./.ipcrc, ~/.ipcrc)' },
  { name: 'session', arg: 'required', metavar: 'ID', help: 'whose tasks rc.session.session names (default the most recent client in the store)' },
  { name: 'write', arg: 'none', help: 'allow purge_results to delete records (stores open read-only otherwise)' },
  { name: 'mmap', arg: 'none', help: 'read a SQLite file through a memory map: faster passes over a large file, but a file cut short while it is read ends ipc' },
  { name: 'yes', arg: 'none', alias: 'y', help: 'confirm destructive calls in a script' },
  { name: 'format', arg: 'required', metavar: 'FMT', help: 'how values are printed: table (default), json, jsonl, csv, trace (records as Chrome Trace Event JSON), or report (a db_query statement as an HTML report)' },
  { name: 'timezone', arg: 'required', metavar: 'local|utc', help: 'show datetimes in local time (default) or UTC' },
  { name: 'bail', arg: 'none', help: 'stop a script at the first failed statement' },
  { name: 'script', arg: 'none', help: 'run statements from stdin even when it is a terminal' },
  { name: 'no-color', arg: 'none', help: 'no colour in the interactive shell (also NO_COLOR)' },
  { name: 'version', arg: 'none', alias: 'V', help: 'print the version' },
  { name: 'help', arg: 'none', alias: 'h', help: 'print this help' },
];

const SCRIPT_SUFFIX = /\.(ipc|py|ipy|txt)$/i;

/** Whether a bare word after a flag with an optional value is that value (and not the script). */
function takesOptional(flag: string, word: string | undefined): boolean {
  if (word === undefined || word.startsWith('-') || SCRIPT_SUFFIX.test(word)) return false;
  if (flag === 'mongodb') return /^mongodb(\+srv)?:\/\//.test(word) || /^[\w.-]+:\d+$/.test(word);
  if (flag === 'hub') return /\.json$/i.test(word);
  return true;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    help: false, version: false, command: null, file: null, format: null, bail: false, store: null,
    table: null, database: null, load: null, profile: null, clusterId: null, ipythonDir: null, config: null, session: null,
    write: false, mmap: false, yes: false, timeout: null, maxMessageSize: null, allowJs: false, timezone: null, noColor: false, script: false,
  };
  const setStore = (flag: NonNullable<CliOptions['store']>['flag'], value: string | null) => {
    if (o.store && o.store.flag !== flag) {
      throw configError(`--${o.store.flag} and --${flag} both choose the store; give one of them`);
    }
    o.store = { flag, value };
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      if (i + 1 < argv.length) setFile(o, argv[i + 1]!);
      if (i + 2 < argv.length) throw configError(`one script at most: '${argv[i + 2]}' is one too many`);
      break;
    }
    if (a === '-c') {
      const v = argv[++i];
      if (v === undefined) throw configError("-c takes the statements to run, as in -c 'len(db_query({}))'");
      o.command = o.command === null ? v : o.command + '\n' + v;
      continue;
    }
    if (!a.startsWith('-') || a === '-') {
      setFile(o, a);
      continue;
    }
    const m = /^(?:--([\w-]+)|-(\w))(?:=(.*))?$/s.exec(a);
    const name = m?.[1] ?? FLAGS.find((f) => f.alias === m?.[2])?.name;
    const spec = FLAGS.find((f) => f.name === name);
    if (!m || !spec) {
      const word = m?.[1] ?? m?.[2] ?? a;
      throw configError(`unknown option '${a}'${didYouMean(word, FLAGS.map((f) => f.name)).replace("'", "'--")}; ipc --help lists the options`);
    }
    let value: string | null = m[3] ?? null;
    if (spec.arg === 'none' && value !== null) throw configError(`--${spec.name} takes no value`);
    if (spec.arg === 'required' && value === null) {
      value = argv[++i] ?? null;
      if (value === null) throw configError(`--${spec.name} takes ${spec.metavar}`);
    }
    if (spec.arg === 'optional' && value === null && takesOptional(spec.name, argv[i + 1])) value = argv[++i]!;
    switch (spec.name) {
      case 'sqlitedb': case 'mongodb': case 'hub':
        setStore(spec.name, value);
        break;
      case 'dictdb': case 'nodb': case 'demo':
        setStore(spec.name, null);
        break;
      case 'table': o.table = value; break;
      case 'database': o.database = value; break;
      case 'load': o.load = value; break;
      case 'profile': o.profile = value; break;
      case 'cluster-id': o.clusterId = value; break;
      case 'ipython-dir': o.ipythonDir = value; break;
      case 'config': o.config = value; break;
      case 'session': o.session = value; break;
      case 'write': o.write = true; break;
      case 'mmap': o.mmap = true; break;
      case 'allow-js': o.allowJs = true; break;
      case 'yes': o.yes = true; break;
      case 'bail': o.bail = true; break;
      case 'script': o.script = true; break;
      case 'no-color': o.noColor = true; break;
      case 'version': o.version = true; break;
      case 'help': o.help = true; break;
      case 'timeout': {
        const t = Number(value);
        if (!Number.isFinite(t) || t <= 0 || t > MAX_TIMEOUT_SECONDS) {
          throw configError(`--timeout takes a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS} (about 24 days), not '${clip(value)}'`);
        }
        o.timeout = t;
        break;
      }
      case 'max-message-size': {
        const mb = Number(value);
        if (!(mb >= 1 && mb <= MAX_MESSAGE_MB)) throw configError(`--max-message-size takes a number of MB from 1 to ${MAX_MESSAGE_MB}, not '${clip(value)}'`);
        o.maxMessageSize = mb;
        break;
      }
      case 'format':
        if (!OUTPUT_FORMATS.includes(value as OutputFormat)) {
          throw configError(`--format takes ${OUTPUT_FORMATS.join(', ')}, not '${value}'${didYouMean(value!, OUTPUT_FORMATS)}`);
        }
        o.format = value as OutputFormat;
        break;
      case 'timezone':
        if (value !== 'local' && value !== 'utc') throw configError(`--timezone takes local or utc, not '${value}'`);
        o.timezone = value;
        break;
    }
  }
  if (o.load && o.store && o.store.flag !== 'dictdb') throw configError(`--load fills a --dictdb; it does not go with --${o.store.flag}`);
  if (o.load && !o.store) o.store = { flag: 'dictdb', value: null };
  if (o.table && o.store && o.store.flag !== 'sqlitedb') throw configError(`--table names a table of a SQLite file; it does not go with --${o.store.flag}`);
  if (o.mmap && o.store && o.store.flag !== 'sqlitedb') throw configError(`--mmap reads a SQLite file; it does not go with --${o.store.flag}`);
  if (o.allowJs && o.store && o.store.flag !== 'mongodb') throw configError(`--allow-js lets MongoDB run JavaScript; it does not go with --${o.store.flag}`);
  if (o.database && o.store && o.store.flag !== 'mongodb') throw configError(`--database names a MongoDB database; it does not go with --${o.store.flag}`);
  return o;
}

/**
 * A SQLite file given where a script goes (`ipc tasks.db`) is the store to
 * open, as --sqlitedb would; `head` is the file's first bytes, or null when
 * the file is not there to read. Then at most one of -c and a script file.
 */
export function settleFile(o: CliOptions, head: Uint8Array | null): void {
  if (o.file !== null && o.file !== '-' && head !== null && isSqliteHeader(head)) {
    if (o.store) throw configError(`${o.file} is a SQLite database, not a script of statements; open it with --sqlitedb ${o.file}, not beside --${o.store.flag}`);
    o.store = { flag: 'sqlitedb', value: o.file };
    o.file = null;
  }
  if (o.command !== null && o.file !== null) throw configError(`give statements with -c or a script file ('${o.file}'), not both`);
}

/** SQLite's file header: the 16 bytes "SQLite format 3" and a NUL. */
function isSqliteHeader(head: Uint8Array): boolean {
  const magic = 'SQLite format 3\0';
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic.charCodeAt(i)) return false;
  return true;
}

function setFile(o: CliOptions, file: string): void {
  if (o.file !== null) throw configError(`one script at most: '${file}' is one too many (after '${o.file}')`);
  o.file = file;
}

export function helpText(version: string): string {
  const rows = FLAGS.map((f) => {
    const left = `${f.alias ? `-${f.alias}, ` : ''}--${f.name}${f.arg === 'none' ? '' : f.arg === 'optional' ? ` [${f.metavar}]` : ` ${f.metavar}`}`;
    return `  ${left.padEnd(30)} ${f.help}`;
  });
  return `ipc ${version} — a shell for the task database of IPython Parallel

usage: ipc [options]                    the interactive shell (in a terminal)
       ipc [options] FILE               run the statements of FILE ('-' = stdin)
       ipc [options] -c 'STATEMENTS'    run these statements
       ... | ipc [options]              run the statements piped in

options:
  -c STATEMENTS                  statements to run (Python syntax; several with ; or newlines)
${rows.join('\n')}

The store: a flag above, else the configuration (--config, $IPC_CONFIG, ./.ipcrc,
~/.ipcrc: db_class and its settings), else the profile's ipcontroller_config.py
(c.IPController.db_class = 'SQLiteDB' ...), else its controller or tasks.db; with
nothing found, the interactive shell opens the embedded demo store and script
mode exits with status 2 (--demo, or demo: true in the configuration, allows it).

examples:
  ipc --sqlitedb                                   ~/.ipython/profile_default/tasks.db
  ipc --sqlitedb tasks.db -c "db_query({'completed': None}, keys=['msg_id', 'started'])"
  ipc --profile mycluster -c 'len(db_query({}))'
  ipc --sqlitedb tasks.db --table '*' --format jsonl -c 'db_query({})' > tasks.jsonl
  ipc --dictdb --load tasks.jsonl -c "get_result(-1)"
  ipc --mongodb mongodb://db.example.org:27017 --database ipython-tasks queries.ipc
  ipc --hub ~/.ipython/profile_default/security/ipcontroller-client.json
  echo "recent = db_query({'started': {'\\$gte': hourago}}); len(recent)" | ipc --demo

Errors go to stderr as 'line N: Kind: sentence'; the exit status is 1 when a
statement failed, 2 when the command line or configuration is wrong.
`;
}
