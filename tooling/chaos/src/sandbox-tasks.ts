/**
 * The task module `@conveyor/worker`'s sandbox children import (scenario `poison-sandboxed`).
 * Each child writes its own ledger file; the settings come from the parent's environment.
 */
import { openLedger } from './ledger.js';
import { chaosTasks } from './tasks.js';
import type { WorkerSettings } from './worker-settings.js';

const settings = JSON.parse(process.env.CHAOS_WORKER ?? '{}') as WorkerSettings;

export const tasks = chaosTasks(openLedger(settings.ledgerDir, `sandbox-${process.pid}`), {
  sandboxPoison: true,
});
