// Loaded with --import into an ipc child process: at exit it writes the
// process's peak resident set size (kB) to the file named by IPC_PEAK_RSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.IPC_PEAK_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
