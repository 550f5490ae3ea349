import { liveHubSuite } from './suite.js';

liveHubSuite('--dictdb', { restart: true });
