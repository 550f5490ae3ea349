export * from './types.js';
export { StoreClient, taskResult, enginesFromRecords, type StoreClientOptions, type ConfirmDestructive } from './store-client.js';
