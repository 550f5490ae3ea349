import type { TimelineSession } from './timeline-session.js';
import type { TopSession } from './top.js';
import type { RecordPager, TableViewer } from './viewers.js';
import type { Watch } from './watch.js';

/** A yes/no question of a running statement (purge_results), and how to answer it. */
export interface Question {
  readonly text: string;
  readonly resolve: (yes: boolean) => void;
}

/**
 * What the live part of the terminal shows. Each screen carries its own
 * state, so a viewer's state exists exactly while it is on screen; a new
 * full-screen mode is one more variant here and one more case where
 * screens are drawn (app.tsx) and given keys (session.ts).
 */
export type Screen =
  | { readonly kind: 'prompt' }
  /** `status`: what a wait of the statement last reported (how many tasks are done), shown below it. */
  | { readonly kind: 'running'; readonly abort: AbortController; question: Question | null; status: string | null }
  | { readonly kind: 'table'; readonly viewer: TableViewer }
  /** `table`, `timeline` or `top`: the view that q goes back to, when the pager was opened from it. */
  | { readonly kind: 'pager'; readonly pager: RecordPager; readonly table: TableViewer | null; readonly timeline?: TimelineSession; readonly top?: TopSession }
  | { readonly kind: 'timeline'; readonly timeline: TimelineSession }
  | { readonly kind: 'watch'; readonly watch: Watch }
  | { readonly kind: 'top'; readonly top: TopSession }
  | { readonly kind: 'closed' };

export type Mode = Screen['kind'];

export const PROMPT: Screen = { kind: 'prompt' };
