import { InvalidOptionError } from '../errors.js';
import { workflowKeyScope } from '../idempotency.js';
import { workflowJobId } from '../ids.js';
import type { JobError } from '../job-error.js';
import type { JsonValue } from '../json.js';
import type {
  ClaimOutcome,
  IdleWorkflow,
  RecordManyResult,
  RecordResult,
  StepAddress,
  StepOutcome,
  TransportWorkflows,
  WorkflowStartResult,
} from '../transport-workflows.js';
import { completeLate } from './workflow-late.js';
import {
  childrenPending,
  createRun,
  type Effects,
  endOpen,
  expandRun,
  finish,
  noEffects,
  openChildren,
  outboxKey,
  type Run,
  retryRun,
  timeOut,
  unitAt,
  unitDone,
  unitFailed,
  unitKey,
} from './workflow-run.js';

export interface MemoryWorkflowsOptions {
  /** The transport's clock, ms since the epoch. */
  now(): number;
  /** How long a finished workflow's record is kept: the jobs' result TTL [W9]. */
  resultTtlMs: number;
  /**
   * Cancels the jobs of the ready and running steps of a workflow its deadline ended, at
   * once, whichever call found it past the deadline [W14]: running ones see `ctx.signal`.
   */
  cancelJobs?: (jobIds: readonly string[]) => void;
}

const answer = (run: Run | undefined, recorded: boolean, fx: Effects): RecordResult => ({
  recorded,
  status: run?.record.status ?? 'unknown',
  dispatch: fx.dispatch.map((entry) => structuredClone(entry)),
  cancel: fx.cancel,
});

/**
 * The memory transport's workflows [W1–W13]: a map of id → run (record, results, items,
 * outbox). Every call is one synchronous step, so concurrent calls cannot interleave: an
 * outcome is stored, its stage's counter moved and the next steps put in the outbox at once.
 * Each call first drops finished records past their retention and fails the workflow it
 * names when it is past its deadline.
 */
export function createMemoryWorkflows(options: MemoryWorkflowsOptions): TransportWorkflows {
  const { resultTtlMs } = options;
  const runs = new Map<string, Run>();
  /** Idempotency claims by {@link workflowKeyScope}: the run holding each [W1]. */
  const keys = new Map<string, { id: string; inputFingerprint: string | undefined }>();
  const scopeOf = (run: Run, key: string) => workflowKeyScope(run.record.plan.workflow, key);
  // Finished runs in the order they finished: their expiry order (one TTL for all).
  const finished = new Map<string, number>();

  /** After a move: stamps the record's `updatedAt`, keeps `finished` in step with its status. */
  function settle(run: Run, now: number): void {
    run.record.updatedAt = now;
    const { id, finishedAt } = run.record;
    finished.delete(id);
    if (finishedAt !== undefined) finished.set(id, finishedAt);
  }

  /** Starts an operation: the clock, expired records dropped, `id`'s deadline applied. */
  function begin(id?: string): { now: number; run?: Run } {
    const now = options.now();
    for (const [expiredId, at] of finished) {
      if (at + resultTtlMs > now) break;
      finished.delete(expiredId);
      const run = runs.get(expiredId);
      runs.delete(expiredId);
      if (run?.idempotencyKey !== undefined) keys.delete(scopeOf(run, run.idempotencyKey));
    }
    if (id === undefined) return { now };
    const run = runs.get(id);
    if (run) due(run, now);
    return { now, run };
  }

  function due(run: Run, now: number): void {
    const { status, deadline } = run.record;
    if (status === 'running' && deadline !== undefined && deadline <= now) {
      // Its own effects: a read (get, a claim) answers no jobs to cancel, and the steps ran
      // on past the deadline; the calls that do answer some would cancel these again.
      const timedOut = noEffects();
      timeOut(run, now, timedOut);
      settle(run, now);
      if (timedOut.cancel.length > 0) options.cancelJobs?.(timedOut.cancel);
    }
  }

  /**
   * Whether the address's job (when given) may claim or record for its unit [W2, W3]: any
   * job before the unit's first retry; after one, only the unit's own.
   */
  function currentJob(
    run: Run,
    unit: NonNullable<ReturnType<typeof unitAt>>,
    address: StepAddress,
  ) {
    const { job } = address;
    if (job === undefined || unit.rec.retries === 0) return true;
    const { def, rec } = unit;
    return job === workflowJobId(def.queue, run.record.id, def.name, rec.child, rec.retries);
  }

  /** One claim [W2], within an operation. */
  function claimOne(run: Run | undefined, address: StepAddress, now: number): ClaimOutcome {
    const unit = run && unitAt(run, address);
    if (!run || !unit) return 'unknown';
    const { state } = unit.rec;
    if (state === 'completed' || state === 'failed' || state === 'skipped') return 'done';
    // An expanded map step's job is done, unless its children are not all enqueued [W7].
    if (expanded(run, unit.kind, unit.def.name)) return 'done';
    if (run.record.status !== 'running' || !currentJob(run, unit, address)) return 'ended';
    if (state === 'ready' || state === 'running') {
      unit.rec.state = 'running';
      settle(run, now);
      return 'claimed';
    }
    return 'ended';
  }

  /** One outcome by first write [W3–W6], within an operation: whether it was recorded. */
  function recordOne(
    run: Run | undefined,
    address: StepAddress,
    outcome: StepOutcome,
    now: number,
    fx: Effects,
  ): boolean {
    const unit = run && unitAt(run, address);
    if (!run || !unit) return false;
    const { state } = unit.rec;
    // An outcome of an earlier try's job: the unit was retried since [W3].
    if (!currentJob(run, unit, address)) return false;
    if (outcome.ok && state === 'cancelled') {
      // Its end time (so its place in `finished`) stays as it was.
      const late = completeLate(run, unit, outcome.result);
      if (late) run.record.updatedAt = now;
      return late;
    }
    const open = state === 'ready' || state === 'running';
    // A map step's own job reports only its failure, before its children are all enqueued.
    const mapResult = unit.kind === 'map' && outcome.ok;
    const done = expanded(run, unit.kind, unit.def.name);
    if (run.record.status !== 'running' || !open || done || mapResult) return false;
    if (outcome.ok) {
      unit.result = outcome.result;
      unit.rec.state = 'completed';
      unitDone(run, unit, now, fx);
    } else {
      unitFailed(run, unit, outcome.error, now, fx);
    }
    settle(run, now);
    return true;
  }

  /** An expanded map step whose children are all enqueued: its own job is done. */
  const expanded = (run: Run, kind: string, step: string): boolean =>
    kind === 'map' && run.counts.has(step) && !childrenPending(run, step);

  /**
   * Running workflows with the time `atOf` gives each (none: left out), in its order, then by
   * id, after `after`: the `idle` and `running` listings.
   */
  const listRunning = async (
    limit: number,
    after: IdleWorkflow | undefined,
    atOf: (run: Run) => number | undefined,
  ): Promise<IdleWorkflow[]> => {
    const { now } = begin();
    const found: IdleWorkflow[] = [];
    for (const run of runs.values()) {
      due(run, now);
      const { status, id } = run.record;
      const at = status === 'running' ? atOf(run) : undefined;
      if (at === undefined) continue;
      if (after && (at < after.at || (at === after.at && id <= after.id))) continue;
      found.push({ id, at });
    }
    found.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
    return found.slice(0, limit);
  };

  return {
    async start(request) {
      const fx = noEffects();
      const { now } = begin();
      const { idempotencyKey: key, inputFingerprint } = request;
      // Scoped by workflow: another workflow's run with the key is a run of its own.
      const scope = key === undefined ? undefined : workflowKeyScope(request.plan.workflow, key);
      const holder = scope === undefined ? undefined : keys.get(scope);
      if (holder !== undefined && runs.has(holder.id)) {
        const duplicate: WorkflowStartResult = { id: holder.id, duplicate: true, dispatch: [] };
        if (holder.inputFingerprint !== undefined) {
          duplicate.inputFingerprint = holder.inputFingerprint;
        }
        return duplicate;
      }
      // Ids are new per start: only the same start, sent again, finds its id [W1].
      const again = runs.get(request.id);
      if (again) {
        return { id: request.id, duplicate: false, dispatch: structuredClone(again.outbox) };
      }
      const run = createRun(request, now, fx);
      runs.set(request.id, run);
      if (scope !== undefined) keys.set(scope, { id: request.id, inputFingerprint });
      settle(run, now);
      const result: WorkflowStartResult = {
        id: request.id,
        duplicate: false,
        dispatch: structuredClone(fx.dispatch),
      };
      return result;
    },

    async claim(id, address): Promise<ClaimOutcome> {
      const { now, run } = begin(id);
      return claimOne(run, address, now);
    },

    async claimMany(id, addresses) {
      const { now, run } = begin(id);
      return addresses.map((address) => claimOne(run, address, now));
    },

    async record(id, address, outcome) {
      const fx = noEffects();
      const { now, run } = begin(id);
      const recorded = recordOne(run, address, outcome, now, fx);
      return answer(run && unitAt(run, address) ? run : undefined, recorded, fx);
    },

    async recordMany(id, items): Promise<RecordManyResult> {
      const fx = noEffects();
      const { now, run } = begin(id);
      const recorded = items.map((item) => recordOne(run, item.address, item.outcome, now, fx));
      const { recorded: _, ...merged } = answer(run, false, fx);
      return { ...merged, recorded };
    },

    async expand(id, step, items, maxChildren) {
      const fx = noEffects();
      const { now, run } = begin(id);
      const unit = run?.units.get(step);
      if (!run || !unit) return answer(undefined, false, fx);
      if (unit.kind !== 'map') {
        throw new InvalidOptionError(
          `step of workflow ${id}`,
          step,
          `a map step of ${run.record.plan.workflow}`,
        );
      }
      const { state } = unit.rec;
      const open = state === 'ready' || state === 'running';
      if (run.record.status !== 'running' || !open || expanded(run, 'map', step)) {
        return answer(run, false, fx);
      }
      const count = run.counts.get(step);
      if (count !== undefined && count === items.length) {
        // Expanded, its children not all enqueued: a redelivered or retried expand job.
        return { ...answer(run, false, fx), children: openChildren(run, unit) };
      }
      if (count !== undefined) {
        const error: JobError = {
          name: 'WorkflowMapChangedError',
          code: 'WORKFLOW_MAP_CHANGED',
          message: `Map step "${step}" of workflow ${id} now has ${items.length} items, but it expanded to ${count} children; its items mapping must be a pure function of the stored results and the workflow's input (retry the workflow once it is).`,
        };
        unitFailed(run, unit, error, now, fx);
        settle(run, now);
        return answer(run, true, fx);
      }
      if (items.length > maxChildren) {
        const error: JobError = {
          name: 'WorkflowTooLargeError',
          code: 'WORKFLOW_TOO_LARGE',
          message: `Map step "${step}" of workflow ${id} has ${items.length} items, over its limit of ${maxChildren} children; split the work, or raise the workers' limit with createWorker({ maxWorkflowChildren }) or \`conveyor worker --max-workflow-children <n>\` (at most 100000).`,
        };
        unitFailed(run, unit, error, now, fx);
        settle(run, now);
        return answer(run, true, fx);
      }
      expandRun(run, unit, items.length, now, fx);
      settle(run, now);
      const result = answer(run, true, fx);
      return run.counts.get(step) && childrenPending(run, step)
        ? { ...result, children: openChildren(run, unit) }
        : result;
    },

    async dispatched(id, jobIds) {
      const { run } = begin(id);
      if (!run) return;
      const done = new Set(jobIds);
      run.outbox = run.outbox.filter((entry) => !done.has(outboxKey(entry)));
    },

    async stale(before, limit) {
      const { now } = begin();
      const found: Array<{ id: string; at: number }> = [];
      for (const run of runs.values()) {
        due(run, now);
        const oldest = run.outbox[0]?.at;
        if (oldest !== undefined && oldest < before) found.push({ id: run.record.id, at: oldest });
      }
      found.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
      return found.slice(0, limit).map((entry) => entry.id);
    },

    idle: (before, limit, after) =>
      listRunning(limit, after, (run) =>
        run.record.updatedAt < before ? run.record.updatedAt : undefined,
      ),

    running: (limit, after) => listRunning(limit, after, (run) => run.runningSince),

    async ended(status, limit, after) {
      const { now } = begin();
      const found: IdleWorkflow[] = [];
      for (const run of runs.values()) {
        due(run, now);
        const { id, finishedAt: at } = run.record;
        if (run.record.status !== status || at === undefined) continue;
        // Newest first: after the cursor means ended earlier, or at once with a lower id.
        if (after && (at > after.at || (at === after.at && id >= after.id))) continue;
        found.push({ id, at });
      }
      found.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
      return found.slice(0, limit);
    },

    async outbox(id) {
      const { run } = begin(id);
      return run ? structuredClone(run.outbox) : [];
    },

    async get(id, options) {
      const { run } = begin(id);
      if (!run) return null;
      const all = options?.children !== false;
      const steps = run.record.steps.flatMap((rec) => {
        if (rec.child !== undefined) return all ? [rec] : [];
        const count = run.counts.get(rec.step);
        return count === undefined ? [rec] : [{ ...rec, children: count }];
      });
      return structuredClone({ ...run.record, steps });
    },

    async results(id, step, range) {
      const { run } = begin(id);
      const unit = run?.units.get(step);
      if (!run || !unit) return [];
      if (unit.kind !== 'map') return [structuredClone(unit.result)];
      const count = run.counts.get(step) ?? 0;
      const from = range?.from ?? 0;
      const to = Math.min(count, range === undefined ? count : from + range.count);
      const results: Array<JsonValue | undefined> = [];
      for (let child = from; child < to; child++) {
        results.push(structuredClone(run.units.get(unitKey(step, child))?.result));
      }
      return results;
    },

    async cancel(id) {
      const fx = noEffects();
      const { now, run } = begin(id);
      if (run?.record.status !== 'running') return { cancelled: false, cancel: [] };
      endOpen(run, fx);
      finish(run, 'cancelled', now);
      settle(run, now);
      return { cancelled: true, cancel: fx.cancel };
    },

    async retry(id) {
      const fx = noEffects();
      const { now, run } = begin(id);
      if (run?.record.status !== 'failed') return { retried: false, dispatch: [] };
      retryRun(run, now, fx);
      settle(run, now);
      return { retried: true, dispatch: structuredClone(fx.dispatch) };
    },
  };
}
