import { taskInterval } from '../analytics/index.js';
import type { TimelineRequest } from '../shell/index.js';
import { TimelineBuilder, TimelineView, type TimelineModel } from './timeline.js';
import type { ScreenSize } from './viewers.js';

/** How often a timeline on a live hub asks again for its records. */
const LIVE_POLL_MS = 2000;

/**
 * A `%timeline` on screen: its view, and on a live hub a poll that rebuilds
 * the model so new tasks appear and pending ones turn into bars.
 */
export class TimelineSession {
  private timer: NodeJS.Timeout | null = null;
  private loading = false;

  private constructor(readonly view: TimelineView, private readonly req: TimelineRequest, private readonly onChange: () => void) {}

  static async open(req: TimelineRequest, size: ScreenSize, onChange: () => void): Promise<TimelineSession> {
    const s = new TimelineSession(new TimelineView(await load(req), size, req.live ? 'timeline (live)' : 'timeline'), req, onChange);
    if (req.live) s.timer = setInterval(() => void s.refresh(), LIVE_POLL_MS);
    return s;
  }

  private async refresh(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const model = await load(this.req);
      if (this.timer === null) return;
      this.view.replaceModel(model);
      this.onChange();
    } catch (e) {
      this.view.message = `live update failed: ${e instanceof Error ? e.message : String(e)}`;
      this.onChange();
    } finally {
      this.loading = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

async function load(req: TimelineRequest): Promise<TimelineModel> {
  const b = new TimelineBuilder(req.rows);
  const table = req.intervals ? await req.intervals() : null;
  if (table) b.addTable(table, table.order());
  else {
    const ctx = await req.ctx();
    for await (const rec of req.open()) b.add(taskInterval(rec, ctx));
  }
  return b.finish(req.live ? Date.now() * 1000 : null);
}
