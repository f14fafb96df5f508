import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';
import * as worker from '../src/worker/index.js';

// Each audience has its own import path (README, "Import"): what only a worker calls to drive
// workflows and schedules lives in @conveyor/core/worker, not beside defineTask and
// createClient.
const WORKER_ONLY = [
  'applyWorkflowEffects',
  'enqueueMapChildren',
  'flushWorkflowOutbox',
  'planDifferences',
  'runStepInput',
  'findWorkflowStep',
  'mapItems',
  'stageOutput',
  'stepFailure',
  'dueSlots',
  'runJob',
];

describe('entry points', () => {
  it('@conveyor/core/worker exports what drives jobs, workflow steps and schedule slots', () => {
    for (const name of WORKER_ONLY) {
      expect(typeof (worker as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('@conveyor/core (task authors, producers) does not export them', () => {
    const leaked = WORKER_ONLY.filter((name) => name in root);
    expect(leaked).toEqual([]);
    // The client's default logger is its own detail: a logger is passed as `logger` (pino fits).
    expect('consoleLogger' in root).toBe(false);
    // What producers and task authors use is there.
    for (const name of ['defineTask', 'createClient', 'defineWorkflow', 'defineSchedule']) {
      expect(typeof (root as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
