export { findRedisServer, startRedisServer, type RedisServer, type RedisServerOptions } from './redisServer.js';
