import type { Scenario } from '../harness.js';
import { clusterFailover } from './cluster-failover.js';
import { hostile } from './hostile.js';
import { killWorkers } from './kill-workers.js';
import { pause } from './pause.js';
import { poisonJob } from './poison.js';
import { redisRestart } from './redis-restart.js';
import { sigterm } from './sigterm.js';
import { stall } from './stall.js';
import { workflowCancel } from './workflow-cancel.js';
import { workflowFanIn } from './workflow-fan-in.js';
import { workflowRetry } from './workflow-retry.js';

/** Every scenario, in the order of the issue; then the workflows' (issue 18). */
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
  workflowFanIn,
  workflowCancel,
  workflowRetry,
];
