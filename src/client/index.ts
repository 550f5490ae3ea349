export * from './types.js';
export { StoreClient, taskResult, type StoreClientOptions } from './store-client.js';
export type { ConfirmDestructive } from './purge.js';
export { asyncGet, asyncReady, asyncSuccessful, remoteValue, taskMetadata } from './async-result.js';
export { engineContext } from './engines.js';
export { reportWaitsTo, waitOptions } from './progress.js';
export { TopMonitor, type TopMonitorOptions } from './top-monitor.js';
export { Tail, tailPrefix, type TailLine, type TailOptions } from './tail.js';
