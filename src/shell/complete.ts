import { FIELD_OPERATORS, LOGICAL_OPERATORS } from '../query/index.js';
import { DERIVED_KEYS } from '../payload/index.js';
import { KEY_NAMES } from '../records/index.js';
import type { Completion } from './api.js';
import { attributeNames } from '../language/index.js';
import { MAGIC_LIST } from './magics/index.js';
import type { Magic } from './magic.js';

export interface CompletionSources {
  readonly variables: ReadonlyMap<string, unknown>;
  readonly builtins: ReadonlyMap<string, unknown>;
  /** The value of a dotted name path (rc.session), without calling anything; undefined if unknown. */
  evaluatePath(path: readonly string[]): Promise<unknown>;
  /** msg_ids starting with a prefix, from the store; may be slow, so it is raced against a deadline. */
  msgIds?(prefix: string): Promise<readonly string[]>;
  /** The msg_ids this session has shown or bound, newest first. */
  seenIds?(): Iterable<string>;
  /** The names of %q's saved queries. */
  queryNames?(): string[];
}

/** Longest a completion waits for the store. */
const STORE_DEADLINE_MS = 250;
/** Most ids a completion offers. */
const MAX_IDS = 50;
const HEXISH = /^[0-9a-f][0-9a-f_-]*$/;

async function msgIdCandidates(prefix: string, sources: CompletionSources): Promise<string[]> {
  if (!sources.msgIds) return [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<readonly string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), STORE_DEADLINE_MS);
  });
  try {
    return [...(await Promise.race([sources.msgIds(prefix).catch(() => [] as readonly string[]), deadline]))];
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The ids seen in this session that `word` may stand for, newest first:
 * all of them for an empty word, and for a suffix such as `_1` those with a
 * `_` part starting so (`…_1234_15`), as `%show _15` names one.
 */
function seenCandidates(word: string, sources: CompletionSources): string[] {
  const out = new Set<string>();
  for (const id of sources.seenIds?.() ?? []) {
    if (out.size >= MAX_IDS) break;
    if (HEXISH.test(id) && id.length >= 8 && (word === '' || hasSuffixStarting(id, word))) out.add(id);
  }
  return [...out];
}

function hasSuffixStarting(id: string, word: string): boolean {
  for (let p = id.indexOf('_'); p >= 0; p = id.indexOf('_', p + 1)) if (id.startsWith(word, p)) return true;
  return false;
}

const NAMES_EXTRA = ['now', 'today', 'hourago', 'None', 'True', 'False', 'from', 'import', 'lambda', 'for', 'in', 'not', 'and', 'or'];
/** `%show 3f…`: the magics after which Tab completes a msg_id, and those after which a named query. */
const magicsCompleting = (what: Magic['completes']) => MAGIC_LIST.filter((m) => m.completes === what).map((m) => m.name).join('|');
const ID_MAGIC = new RegExp(`^\\s*%(?:${magicsCompleting('msg_id')})\\s+([0-9a-f_-]*)$`);
const QUERY_MAGIC = new RegExp(`^\\s*%(?:${magicsCompleting('query name')})\\s+([\\w-]*)$`);

const OPERATORS = [...FIELD_OPERATORS, ...LOGICAL_OPERATORS].map((o) => o.name);

/**
 * Candidates at the cursor: magic names after `%`, TaskRecord keys and `$`
 * operators inside a string, attributes after a dot, names otherwise. Never
 * calls the store: attribute paths are looked up, not evaluated.
 */
export async function completeAt(line: string, cursor: number, sources: CompletionSources): Promise<Completion> {
  const before = line.slice(0, cursor);
  const idMagic = ID_MAGIC.exec(before);
  if (idMagic) {
    const prefix = idMagic[1]!;
    const candidates = prefix === '' || prefix.startsWith('_') ? seenCandidates(prefix, sources) : await msgIdCandidates(prefix, sources);
    return { start: cursor - prefix.length, end: cursor, candidates };
  }
  const named = QUERY_MAGIC.exec(before);
  if (named && sources.queryNames) {
    const prefix = named[1]!;
    return { start: cursor - prefix.length, end: cursor, candidates: sources.queryNames().filter((n) => n.startsWith(prefix)) };
  }
  const flag = /^\s*%(\w+)\s.*?(--[\w-]*)$/.exec(before);
  const flags = flag ? MAGIC_LIST.find((m) => m.name === flag[1])?.flags : undefined;
  if (flag && flags) {
    const prefix = flag[2]!;
    return { start: cursor - prefix.length, end: cursor, candidates: flags.filter((f) => f.startsWith(prefix)) };
  }
  const magic = /^\s*%(\w*)$/.exec(before);
  if (magic) {
    const prefix = magic[1]!;
    return { start: cursor - prefix.length, end: cursor, candidates: MAGIC_LIST.map((m) => m.name).filter((m) => m.startsWith(prefix)).sort() };
  }
  const inString = openString(before);
  if (inString !== null) {
    const prefix = before.slice(inString);
    const pool = prefix.startsWith('$') ? OPERATORS : [...KEY_NAMES, ...DERIVED_KEYS];
    const keys = pool.filter((k) => k.startsWith(prefix));
    const ids = keys.length === 0 && HEXISH.test(prefix) ? await msgIdCandidates(prefix, sources) : [];
    return { start: inString, end: cursor, candidates: [...keys, ...ids] };
  }
  const attr = /([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(\w*)$/.exec(before);
  if (attr) {
    const prefix = attr[2]!;
    let value: unknown;
    try {
      value = await sources.evaluatePath(attr[1]!.split('.'));
    } catch {
      value = undefined;
    }
    const names = value === undefined ? [] : attributeNames(value);
    return { start: cursor - prefix.length, end: cursor, candidates: names.filter((n) => n.startsWith(prefix)).sort() };
  }
  const word = /[A-Za-z_]\w*$/.exec(before);
  const prefix = word ? word[0] : '';
  const pool = new Set([...sources.variables.keys(), ...sources.builtins.keys(), ...NAMES_EXTRA]);
  const candidates = [...pool].filter((n) => n.startsWith(prefix) && !(prefix === '' && n.startsWith('_'))).sort();
  return { start: cursor - prefix.length, end: cursor, candidates };
}

/** Where the text of a string still open at the end of `text` starts, or null. */
function openString(text: string): number | null {
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (quote.includes(c)) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
      start = i + 1;
    } else if (c === '‘' || c === '’') {
      quote = "’‘'";
      start = i + 1;
    } else if (c === '“' || c === '”') {
      quote = '”“"';
      start = i + 1;
    } else if (c === '#') break;
  }
  return quote ? start : null;
}
