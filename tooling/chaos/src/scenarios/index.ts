import type { Scenario } from '../harness.js';
import { clusterFailover } from './cluster-failover.js';
import { hostile } from './hostile.js';
import { killWorkers } from './kill-workers.js';
import { pause } from './pause.js';
import { poisonJob } from './poison.js';
import { redisRestart } from './redis-restart.js';
import { sigterm } from './sigterm.js';
import { stall } from './stall.js';

/** Every scenario, in the order of the issue. */
export const SCENARIOS: readonly Scenario[] = [
  killWorkers,
  sigterm,
  redisRestart('always'),
  redisRestart('everysec'),
  stall,
  poisonJob(false),
  poisonJob(true),
  hostile,
  pause,
  clusterFailover,
];
