/** Decodes every bomb in a fresh process and reports how many failed cleanly and the peak memory. */
import { taskResultValue } from '../../src/payload/index.js';
import { bombs } from './bombs.js';

let errors = 0;
for (const data of Object.values(bombs())) {
  try {
    taskResultValue({ msg_id: 'bomb', result_buffers: [data], result_content: { status: 'ok' } });
  } catch (e) {
    if ((e as { kind?: string }).kind === 'ValueError') errors++;
  }
}
process.stdout.write(JSON.stringify({ errors, maxRssKb: process.resourceUsage().maxRSS }));
