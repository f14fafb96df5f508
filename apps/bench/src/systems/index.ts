import { beeQueueSystem } from './bee-queue.js';
import { bullmqSystem } from './bullmq.js';
import { conveyorSystem } from './conveyor.js';
import type { SystemAdapter, SystemName } from './types.js';

export type { SystemAdapter, SystemName } from './types.js';

/** Conveyor first: ratios are Conveyor's to each peer. */
export const SYSTEMS: readonly SystemAdapter[] = [conveyorSystem, bullmqSystem, beeQueueSystem];

export function systemByName(name: SystemName): SystemAdapter {
  const system = SYSTEMS.find((candidate) => candidate.name === name);
  if (!system) throw new Error(`[bench] unknown system "${name}"`);
  return system;
}
