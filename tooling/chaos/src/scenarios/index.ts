import type { Scenario } from '../harness.js';
import { killWorkers } from './kill-workers.js';
import { redisRestart } from './redis-restart.js';
import { sigterm } from './sigterm.js';

/** Every scenario, in the order of the issue. */
export const SCENARIOS: readonly Scenario[] = [
  killWorkers,
  sigterm,
  redisRestart('always'),
  redisRestart('everysec'),
];
