#!/usr/bin/env node
// The system packages the tests run against: the real ipyparallel and its
// Python companions, tmux for the terminal tests, the sqlite3 shell for the
// file tests. Missing ones are installed with apt-get when this process may
// (root, as on CI); otherwise one sentence gives the exact command, and the
// tests do not start, so that no test is skipped for want of a package.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';

const pythonModule = (name) => () =>
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${name}`], { stdio: 'ignore' }).status === 0;
const command = (name) => () => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

const PREREQUISITES = [
  { pkg: 'python3-ipyparallel', present: () => existsSync('/usr/bin/ipcontroller') && pythonModule('ipyparallel')() },
  { pkg: 'python3-pymongo', present: pythonModule('pymongo') },
  // the payload fixture holds a task pickled by cloudpickle, which Python needs to read it back
  { pkg: 'python3-cloudpickle', present: pythonModule('cloudpickle') },
  { pkg: 'python3-numpy', present: pythonModule('numpy') },
  { pkg: 'tmux', present: command('tmux') },
  { pkg: 'sqlite3', present: command('sqlite3') },
  // renders %timeline --svg to PNG, to show the SVG draws
  { pkg: 'librsvg2-bin', present: command('rsvg-convert') },
  { pkg: 'procps', present: command('ps') },
];

const missing = () => PREREQUISITES.filter((p) => !p.present()).map((p) => p.pkg);

let need = missing();
if (need.length === 0) process.exit(0);

const line = `apt-get install -y ${need.join(' ')}`;
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !command('apt-get')()) {
  console.error(`npm test: the tests need ${need.join(', ')}; install ${need.length > 1 ? 'them' : 'it'} with: sudo ${line}`);
  process.exit(2);
}

console.error(`npm test: installing ${need.join(', ')} (${line})`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', ...need], { stdio: ['ignore', 'ignore', 'inherit'], env });
need = missing();
if (!install || install.status !== 0 || need.length) {
  console.error(`npm test: could not install ${need.join(', ')}; run: ${line}`);
  process.exit(2);
}
