import { IpcError, keyError } from '../errors.js';
import { stripAnsi } from '../format/index.js';
import type { JsonDict, Message } from './jupyter-session.js';

/** A failure the hub reported: its exception name and value, and the remote traceback as detail. */
export class HubReplyError extends IpcError {
  constructor(
    readonly ename: string,
    readonly evalue: string,
    message: string,
    traceback?: string,
  ) {
    super('HubError', message, traceback);
  }
}

/**
 * The content of a hub reply, or the error it stands for: a `hub_error` or a
 * reply with `status: 'error'` carries ename, evalue and the remote traceback.
 * "No such message" becomes a KeyError, as it is one.
 */
export function replyContent(msg: Message, request: string): JsonDict {
  const content = msg.content;
  if (msg.header['msg_type'] !== 'hub_error' && content['status'] !== 'error') return content;
  const ename = typeof content['ename'] === 'string' ? content['ename'] : 'Error';
  const evalue = typeof content['evalue'] === 'string' ? content['evalue'] : '';
  const tb = Array.isArray(content['traceback']) ? stripAnsi(content['traceback'].map(String).join('\n')) : '';
  const noSuch = /No such (?:message|msg\(s\)): (.*?)['"]?$/.exec(evalue);
  if (ename === 'KeyError' && noSuch) {
    const ids = noSuch[1]!.replace(/^\[|\]$/g, '');
    throw keyError(`the hub has no task ${/['"]/.test(ids) ? ids : `'${ids}'`}`);
  }
  throw new HubReplyError(ename, evalue, `the hub could not answer ${request}: ${ename}: ${evalue || '(no message)'}`, tb || undefined);
}
