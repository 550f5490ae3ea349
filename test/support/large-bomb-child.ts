/** Decodes the large bomb numbered by the argument in a fresh process: its sentence, CPU time and the peak memory. */
import { taskResultValue } from '../../src/payload/index.js';
import { largeBombs } from './bombs.js';

const which = Number(process.argv[2]);
let i = 0;
for (const [name, make] of largeBombs()) {
  if (i++ !== which) continue;
  const data = make();
  const before = process.cpuUsage();
  let kind = 'none';
  let message = '';
  try {
    taskResultValue({ msg_id: 'bomb_1_2', result_buffers: [data], result_content: { status: 'ok' } });
  } catch (e) {
    kind = (e as { kind?: string }).kind ?? String(e);
    message = (e as Error).message;
  }
  const cpu = process.cpuUsage(before);
  process.stdout.write(JSON.stringify({ name, kind, message, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: process.resourceUsage().maxRSS }));
}
