// sse-kit/server: the Node side of sse-kit. A hub serves SSE streams that resume from history
// (memory for one process, Redis Streams across instances) and publishes typed events.
export { createHub } from './hub.js';
export type { Hub, HubOptions, HubStats, ServeOptions } from './hub.js';
export { memoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { redisStore } from './redis-store.js';
export type { RedisClientLike, RedisStoreOptions } from './redis-store.js';
export type { HistoryRead, Store, StoredEvent } from './types.js';
