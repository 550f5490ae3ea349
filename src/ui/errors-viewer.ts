import type { ErrorsRequest } from '../shell/index.js';
import type { TaskRecord } from '../records/index.js';
import type { KeyEvent } from './keys.js';
import { TableModel } from './table-columns.js';
import { TableViewer, type ScreenSize, type ViewerAction } from './viewers.js';

/**
 * The `%errors` table: one row per failure signature. Enter shows the
 * sample's traceback, `a` lists every task of the signature; the rest is
 * the table viewer's.
 */
export class ErrorsViewer extends TableViewer {
  protected override hint = 'Enter the sample\'s traceback · a every task of it · ? keys · q';

  constructor(readonly request: ErrorsRequest, out: number, size: ScreenSize, onChange: () => void) {
    super(new TableModel(request.rows as unknown as TaskRecord[], request.columns), out, size, onChange);
  }

  protected override key(ev: KeyEvent): ViewerAction {
    if (!this.searching && this.filterInput === null && !this.chooser && ev.name === 'text' && !ev.meta && ev.text === 'a') return { kind: 'list', row: this.answerRow() };
    return super.key(ev);
  }

  /** The msg_ids of a row's signature, and its sample. */
  signature(row: number): { sample: string; msgIds: readonly string[] } | null {
    const s = this.request.report.signatures[row];
    return s ? { sample: s.sample, msgIds: s.msg_ids } : null;
  }
}
