export { redisStore, RedisOverloadStore } from './RedisOverloadStore.js';
export type { RedisStoreOptions } from './options.js';
export type { DegradationReason, StoreDegradedEvent, StoreOperation, StoreRecoveredEvent } from './events.js';
export { redisDeferrer, RedisDeferrer, type RedisDeferrerOptions } from './RedisDeferrer.js';
export { RedisQueueError, isRedisQueueError, type RedisQueueProblem } from './errors/RedisQueueError.js';
