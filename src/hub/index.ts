export { HubChannel, DEFAULT_TIMEOUT_MS, type HubChannelOptions, type ExchangeTiming, type IopubMessage, type IopubSubscription } from './channel.js';
export { readConnectionFile, type ConnectionInfo } from './connection.js';
export { Session, DELIM, PROTOCOL_VERSION, newId, pack, unpack, type Message, type MessageHeader, type Json, type JsonDict } from './jupyter-session.js';
export { replyContent, HubReplyError } from './reply.js';
export { toHubQuery, MATCH_ALL, MAX_PUSHED_LIST, type HubBackend, type HubPlan, type HubQueryOptions } from './pushdown.js';
export { decodeRecord, detectBackend, hasLocalOffset, parseHubDate, resultRecord } from './decode.js';
