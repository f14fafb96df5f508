import type { BuildInfo } from './build-info.js';
import type { ConsumerOptions, SystemName } from './systems/types.js';

/** Parent → worker host. */
export type HostCommand =
  | { type: 'prepare'; system: SystemName; options: ConsumerOptions }
  | { type: 'go' }
  /** Restarts the CPU measurement: it then runs from here to the last completion. */
  | { type: 'mark' }
  | { type: 'finish' }
  /** Asks which build the process runs (answered with `build`). */
  | { type: 'describe' }
  | { type: 'exit' };

/** Counts a worker host reports while it runs and when it finishes. */
export interface HostCounts {
  completed: number;
  retried: number;
  /** Epoch ms of the last acknowledged completion (0 before the first). */
  lastAt: number;
  /** Epoch ms of the first acknowledged completion (0 before it). */
  firstAt: number;
  /** Epoch ms at which the consumer's `start` resolved (0 before). */
  readyAt: number;
  /** Epoch ms at which the flow's parent was acknowledged as completed (the flow case; 0 before). */
  parentAt: number;
}

/** Worker host → parent. */
export type HostReply =
  | { type: 'ready' }
  | { type: 'build'; build: BuildInfo }
  | ({ type: 'progress' } & HostCounts)
  | ({ type: 'finished'; cpuMicros: number } & HostCounts)
  | { type: 'error'; message: string };
