export * from './types.js';
export { StoreClient, taskResult, type StoreClientOptions } from './store-client.js';
export type { ConfirmDestructive } from './purge.js';
export { asyncGet, asyncReady, asyncSuccessful, remoteValue, taskMetadata } from './async-result.js';
export { engineContext } from './engines.js';
export { reportWaitsTo, waitOptions } from './progress.js';
export { NEEDS_HUB } from './store-client.js';
export { abortTasks, planAbort, type AbortOutcome, type AbortPlan, type AbortReport, type AbortRow, type AbortTask, type TaskSelection } from './abort.js';
export { planRetry, retryChain, retryTasks, type RetryGroup, type RetryPlan, type RetryTask } from './retry.js';
