import type { JsonValue } from '../json.js';
import type { Run, Unit } from './workflow-run.js';

// A completion that comes after its run ended [W17]: the step (or map child) that end
// cancelled while its job ran on, and that job finished anyway. The record takes it as the
// unit's result, so it reads the truth and a retry does not run the unit again; it moves
// nothing else, as the end left the run.

/**
 * Whether the run has left `running` by a failure or a cancel: failed (timed out too),
 * compensated, cancelled, or compensating (still running, its failure recorded).
 */
export function runEnded(run: Run): boolean {
  const { status, failure } = run.record;
  return status === 'running' ? failure !== undefined : status !== 'completed';
}

/**
 * Records a completion of a cancelled unit when its run's end cancelled it (it had a job,
 * and it is not a map step's own, nor a child of a map step skipped before the end): the
 * unit is completed with its result. No counter, policy or dispatch. Whether it recorded.
 */
export function completeLate(run: Run, unit: Unit, result: JsonValue | undefined): boolean {
  const { rec, kind, def } = unit;
  if (rec.state !== 'cancelled' || rec.jobId === undefined || kind === 'map') return false;
  if (!runEnded(run)) return false;
  if (kind === 'child' && run.units.get(def.name)?.rec.state === 'skipped') return false;
  unit.result = result;
  rec.state = 'completed';
  return true;
}
