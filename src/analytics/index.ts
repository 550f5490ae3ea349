export * from './run-stats.js';
export * from './intervals.js';
export * from './failure-signature.js';
export * from './failure-groups.js';
export * from './run-report.js';
export * from './task-columns.js';
