import { hubError } from '../errors.js';
import type { Client } from './types.js';

export interface HubClientOptions {
  /** Path of ipcontroller-client.json. */
  readonly connectionFile: string;
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
  /** Whose tasks are "mine"; default ipc's own client session. */
  readonly session?: string;
}

/** Connects to a running ipcontroller the way ipyparallel.Client does. */
export async function openHubClient(options: HubClientOptions): Promise<Client> {
  throw hubError(`connecting to a live hub is not available yet (${options.connectionFile})`);
}
