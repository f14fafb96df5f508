import { baseQueueOf } from '../partitions.js';
import { type ScheduleCarry, scheduleCarry, takesCarry } from '../schedule/copies.js';
import { keepsStoredSchema, restartsSlots } from '../schedule/spec.js';
import type { EnqueueRequest, EnqueueResult, JobState } from '../transport.js';
import type {
  FireResult,
  ScheduleSpec,
  ScheduleState,
  TransportSchedules,
  UpsertOutcome,
} from '../transport-schedules.js';

/** States in which a schedule's previous job blocks a slot with `overlap: 'skip'`. */
const UNFINISHED: ReadonlySet<JobState> = new Set(['waiting', 'delayed', 'active']);

export interface MemorySchedulesOptions {
  /** Runs one whole transport operation (deadlines brought up to date, waiters woken). */
  operate<T>(operation: (now: number) => T): T;
  /** Adds a job as `enqueue` does, inside an operation. */
  add(request: EnqueueRequest, now: number): EnqueueResult;
  /** The state of a stored job, or undefined when it is gone. */
  stateOf(id: string): JobState | undefined;
}

/** Moves the mark up to `now` (or makes a mark of `now`): no slot up to it fires. */
function moveMark(state: ScheduleState, now: number): void {
  state.mark = state.mark
    ? { ...state.mark, slotAt: Math.max(state.mark.slotAt, now) }
    : { slotAt: now };
}

/**
 * A stored schedule; `json` is its spec's JSON, compared by `upsert`. `active` is the token
 * of the takeover that last activated the copy, `superseded` the highest that fenced it
 * (docs/partitions.md, "Schedules"): it fires only while `superseded <= active`.
 */
interface Stored {
  state: ScheduleState;
  json: string;
  active: number;
  superseded: number;
}

/**
 * The memory transport's schedules [S1–S14]: a map of (queue, id) → spec, paused flag,
 * revision and mark. Every call is one synchronous operation, so concurrent calls cannot
 * interleave: a fire checks the schedule, adds the job and moves the mark in one step.
 */
export function createMemorySchedules(options: MemorySchedulesOptions): TransportSchedules {
  const { operate, add, stateOf } = options;
  // queue → schedule id → its schedule
  const queues = new Map<string, Map<string, Stored>>();

  // The last takeover token given out.
  let tokens = 0;

  const find = (queue: string, id: string) => queues.get(queue)?.get(id);

  /** The other stored copies of `spec`'s id on its base queue (other partition counts). */
  function otherCopies(spec: ScheduleSpec): Stored[] {
    const base = baseQueueOf(spec.queue);
    const others: Stored[] = [];
    for (const [queue, ofQueue] of queues) {
      const other = queue !== spec.queue && baseQueueOf(queue) === base && ofQueue.get(spec.id);
      if (other) others.push(other);
    }
    return others;
  }

  /**
   * A takeover, as on Redis in one step: the other copies are fenced with a new token (they
   * fire no slot more), and their mark and pause are what the copy takes over.
   */
  function takeOver(spec: ScheduleSpec, others: readonly Stored[]): ScheduleCarry | undefined {
    if (others.length === 0) return undefined;
    tokens += 1;
    for (const other of others) other.superseded = Math.max(other.superseded, tokens);
    return scheduleCarry(
      spec.queue,
      spec.id,
      others.map((other) => other.state),
    );
  }

  /** Activates `stored` with the last token when another copy was fenced for it. */
  function activate(stored: Stored, tookOver: boolean): void {
    if (!tookOver && stored.superseded <= stored.active) return;
    // Fenced while no other copy is left (removed since): it takes the schedule back.
    if (!tookOver) tokens += 1;
    stored.active = tokens;
  }

  function upsertOne(spec: ScheduleSpec, now: number): UpsertOutcome {
    const json = JSON.stringify(spec);
    let ofQueue = queues.get(spec.queue);
    if (!ofQueue) {
      ofQueue = new Map();
      queues.set(spec.queue, ofQueue);
    }
    const stored = ofQueue.get(spec.id);
    const others = otherCopies(spec);
    const carry = takeOver(spec, others);
    if (!stored) {
      // A copy under a new partition count goes on from the others: no slot twice, the pause kept.
      const mark = carry?.slotAt === undefined ? null : { slotAt: carry.slotAt };
      const paused = carry?.paused ?? false;
      const state = { spec: structuredClone(spec), paused, revision: 1, updatedAt: now, mark };
      ofQueue.set(spec.id, { state, json, active: carry ? tokens : 0, superseded: 0 });
      return 'created';
    }
    activate(stored, carry !== undefined);
    const { state } = stored;
    if (takesCarry(state.mark?.slotAt, carry) && carry?.slotAt !== undefined) {
      // The schedule fired (or was resumed) in another copy since this one last did. Its
      // pause holds here too; an upsert never resumes a copy, only a resume does.
      state.mark = { ...state.mark, slotAt: carry.slotAt };
      if (carry.paused) state.paused = true;
    }
    // The same spec, or one lacking only the stored schema fingerprint [S7a]: kept as stored.
    if (stored.json === json || keepsStoredSchema(state.spec, spec)) return 'unchanged';
    // A new timing starts after the change: no slot at or before it fires [S8]. Any other
    // change keeps the mark: the slots missed before it still fire by the misfire policy [S8a].
    if (restartsSlots(state.spec, spec)) moveMark(state, now);
    state.spec = structuredClone(spec);
    state.revision += 1;
    state.updatedAt = now;
    stored.json = json;
    return 'changed';
  }

  return {
    async upsert(specs) {
      return operate((now) => specs.map((spec) => upsertOne(spec, now)));
    },

    async remove(queue, id) {
      return operate(() => {
        const ofQueue = queues.get(queue);
        if (!ofQueue?.delete(id)) return false;
        if (ofQueue.size === 0) queues.delete(queue);
        return true;
      });
    },

    async setPaused(queue, id, paused) {
      return operate((now) => {
        const stored = find(queue, id);
        if (!stored) return false;
        const { state } = stored;
        // A resume starts with the next slot: the slots of the pause are not missed [S11].
        if (state.paused && !paused) moveMark(state, now);
        state.paused = paused;
        return true;
      });
    },

    async list(names) {
      return operate((now) => {
        const listed = names === undefined ? [...queues.keys()] : [...new Set(names)];
        const schedules: ScheduleState[] = [];
        for (const queue of listed.sort()) {
          const ofQueue = queues.get(queue);
          if (!ofQueue) continue;
          for (const id of [...ofQueue.keys()].sort()) {
            const stored = ofQueue.get(id) as Stored;
            const state = structuredClone(stored.state);
            if (stored.superseded > stored.active) state.superseded = true;
            schedules.push(state);
          }
        }
        return { now, schedules };
      });
    },

    async fire({ scheduleId, revision, slotAt, job }) {
      return operate((now): FireResult => {
        const jobId = job.envelope.id;
        const refuse = (reason: FireResult['reason']): FireResult => ({
          fired: false,
          jobId,
          reason,
        });
        const stored = find(job.envelope.queue, scheduleId);
        if (!stored) return refuse('unknown');
        const { state } = stored;
        if (state.revision !== revision) return refuse('changed');
        // A superseded copy: another copy of the id on its base queue fires.
        const superseded = stored.superseded > stored.active;
        if (state.paused || !state.spec.enabled || superseded) return refuse('paused');
        const { mark } = state;
        if (mark && slotAt <= mark.slotAt) return refuse('claimed-before');
        if (slotAt > now) return refuse('early');
        if (state.spec.overlap === 'skip' && mark?.jobId !== undefined) {
          const last = stateOf(mark.jobId);
          if (last !== undefined && UNFINISHED.has(last)) {
            state.mark = { ...mark, slotAt };
            return refuse('overlap');
          }
        }
        // The fire time is the transport's clock, whatever the caller's said [S14].
        const result = add({ ...job, envelope: { ...job.envelope, enqueuedAt: now } }, now);
        state.mark = { slotAt, jobId: result.id, jobSlotAt: slotAt, firedAt: now };
        if (!result.duplicate) return { fired: true, jobId };
        // Its job stored already (a mark lost, or another transport's), or an idempotency key.
        const reason = result.id === jobId ? 'claimed-before' : 'duplicate';
        return { fired: false, jobId: result.id, reason };
      });
    },
  };
}
