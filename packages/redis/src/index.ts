export { redisStore, RedisOverloadStore } from './RedisOverloadStore.js';
export type { RedisStoreOptions } from './options.js';
export type { DegradationReason, StoreDegradedEvent, StoreOperation, StoreRecoveredEvent } from './events.js';
