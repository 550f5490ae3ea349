import { notConfirmed } from '../errors.js';

/** Asks a yes/no question before a destructive call; script mode answers from --yes. */
export type ConfirmDestructive = (question: string) => Promise<boolean>;

/** What purge_results is about to delete, in the words both clients ask it with. */
export function purgeQuestion(msgIds: readonly string[] | 'all', targets: readonly number[], where: string, found?: number): string {
  const what = msgIds === 'all' ? 'every completed record' : `${msgIds.length} record${msgIds.length === 1 ? '' : 's'}`;
  const extra = targets.length ? ` and the completed records of engine${targets.length === 1 ? '' : 's'} ${targets.join(', ')}` : '';
  const count = found === undefined ? '' : ` (${found} found)`;
  return `purge_results deletes ${what}${extra}${count} from ${where}`;
}

/** Asks the question; a "no" is an Interrupted error that says nothing was deleted. */
export async function confirmPurge(confirm: ConfirmDestructive, question: string): Promise<void> {
  if (!(await confirm(`${question}. Go on?`))) throw notConfirmed(question);
}
