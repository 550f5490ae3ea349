export * from './types.js';
export { StoreClient, taskResult, enginesFromRecords, type StoreClientOptions, type ConfirmDestructive } from './store-client.js';
export { engineContext } from './engines.js';
export type { QueueStatus } from './queue-status.js';
