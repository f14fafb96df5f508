/**
 * Private redis-server processes for tests.
 *
 * Every server gets its own free port and its own temporary directory, so a test can
 * kill, restart or flush it without touching anyone else's data (the shared Redis on
 * 6379 is never used). `startRedisCluster` joins several of them into a Redis Cluster.
 *
 * @example
 * const redis = await startRedis();
 * afterAll(() => redis.stop());
 * const transport = redisTransport({ url: redis.url });
 */
export { findFreePort } from './free-port.js';
export {
  REDIS_CLI_MISSING,
  type RedisCluster,
  type RedisClusterOptions,
  startRedisCluster,
} from './redis-cluster.js';
export { type RedisServer, type RedisServerOptions, startRedis } from './redis-server.js';
export { type ReplyLossProxy, startReplyLossProxy } from './reply-loss-proxy.js';
export { sendCommand } from './resp.js';
