import { liveHubSuite } from './suite.js';

liveHubSuite('--sqlitedb', { restart: false });
