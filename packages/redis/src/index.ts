/**
 * @conveyor/redis: Conveyor's Redis transport.
 *
 * @example
 * import { redisTransport } from '@conveyor/redis';
 * const transport = redisTransport({ url: 'redis://localhost:6379' });
 */
export { type ConnectionOptions, maskRedisUrl } from './connections.js';
export {
  failureOf,
  isClusterNodeDown,
  type RedisFailure,
  RedisTransportError,
} from './errors.js';
export {
  type RedisTransport,
  type RedisTransportOptions,
  redisTransport,
} from './redis-transport.js';
export { queueHashTag, queueSlot } from './slots.js';
