export * from './types.js';
export { StoreClient, taskResult, enginesFromRecords, type StoreClientOptions, type ConfirmDestructive } from './store-client.js';
export { asyncGet, asyncReady, asyncSuccessful, remoteValue, taskMetadata } from './async-result.js';
