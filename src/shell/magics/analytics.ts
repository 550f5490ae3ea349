import { ERROR_GROUPS, STATS_GROUPS, groupWord } from '../../analytics/index.js';
import type { Magic } from '../magic.js';
import { errorsMagic } from './errors.js';
import { exportMagic } from './export.js';
import { reportMagic } from './report.js';
import { statsMagic, timelineMagic } from './stats-timeline.js';

/** The magics that sum up many tasks, and %export, which writes any answer to a file. */
export const ANALYTICS_MAGICS: readonly Magic[] = [
  {
    name: 'stats',
    usage: `%stats [QUERY] [by ${STATS_GROUPS.map(groupWord).join('|')}]`,
    help: 'per-engine task counts, busy time, utilisation, run-time and queue-wait spread; %stats --hist run_time|queue_wait [QUERY]: a histogram; by label puts tasks without one (all of a 7.x store\'s) in one (no label) group',
    run: statsMagic,
  },
  {
    name: 'errors',
    usage: `%errors [QUERY] [by ${ERROR_GROUPS.join('|')}]`,
    help: 'one row per failure signature (ename and evalue with numbers, ids, paths and quoted values as <n> <hex> <id> <path> <str>): count, share of the selection, what caused it (a dead engine, a failed dependency), functions, engines, first and last time, a sample; in the terminal Enter shows the sample\'s traceback, a lists every task of the signature',
    run: errorsMagic,
  },
  {
    name: 'timeline',
    usage: '%timeline [QUERY] [--rows engine|label|function]',
    help: 'a Gantt chart of the tasks, one row per engine (or label, or function; tasks without a label share one (no label) row) (interactive shell); --trace FILE writes Chrome Trace Event JSON (Perfetto), --svg FILE an SVG chart; --force replaces a file',
    run: timelineMagic,
  },
  {
    name: 'report',
    usage: '%report FILE.html [QUERY] [--force]',
    help: 'one self-contained HTML page (no script, nothing fetched) of the run: store and time span, wall and serial time, speedup and efficiency, the %stats tables by engine, function and label, run-time and queue-wait histograms, the timeline, the %errors table with each signature\'s first traceback; an existing FILE is kept unless --force',
    run: reportMagic,
  },
  {
    name: 'export',
    usage: '%export EXPR FILE [--format json|jsonl|csv|trace|table|report] [--force]',
    help: 'writes what script mode would print for EXPR to FILE (a db_query streams; the format follows the file\'s ending: .json .jsonl .csv .trace.json .txt .html, else the session\'s %format)',
    run: exportMagic,
  },
];
