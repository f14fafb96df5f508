import {
  type AnyTaskDefinition,
  type Clock,
  type Logger,
  memoryTransport,
  type TaskRegistry,
  type TimerHandle,
  type TransportLimits,
} from '@conveyor/core';
import { type HeldJob, jobFields } from './held-job.js';

/** Pause before asking again after a limits call failed (broker unreachable). */
const ERROR_RETRY_MS = 1_000;

/** One task's limits, and the jobs of it waiting to start, in delivery order. */
interface Gate {
  readonly task: string;
  readonly rateLimit: { limit: number; per: number } | undefined;
  readonly concurrencyLimit: number | undefined;
  readonly waiting: HeldJob[];
  busy: boolean;
  timer: TimerHandle | undefined;
}

export interface LimitGates {
  /** Whether jobs of this task pass a gate before they start. */
  gated(task: AnyTaskDefinition | undefined): task is AnyTaskDefinition;
  /** Queues a job at its task's gate; `admit` is called once it may start. */
  enter(job: HeldJob, task: AnyTaskDefinition): void;
  /** Takes a job out of its gate (cancel, lost lease, shutdown). True if it was waiting. */
  leave(job: HeldJob): boolean;
  /** Frees the job's concurrency-limit slot, if it holds one (its run ended). */
  freeSlot(job: HeldJob): void;
  /** Renews every slot this worker holds (the heartbeat). */
  renew(): Promise<void>;
  /** Jobs waiting at gates. */
  readonly waitingCount: number;
  /** Stops retry timers; frees every slot still held. */
  close(): Promise<void>;
}

/**
 * The gates between a reserved job and its run, for tasks with a `rateLimit` or
 * `concurrencyLimit`. A job that cannot get its slot or permit waits here: its lease
 * stays alive through the heartbeat, it does not take a running slot, and its attempt
 * is not counted again (it is not given back). Only the first job of a gate asks the
 * transport, then again after the transport's `retryInMs`, so waiting costs one call per
 * hint, not a spin. Slots are keyed `task:<name>`, permits `rate:<name>`; a slot's
 * holder is the job's lease token, so a crashed worker's slots free after `leaseMs`.
 */
export function createLimitGates(options: {
  /** Shared limits; absent: this process's own (each worker enforces them alone). */
  limits: TransportLimits | undefined;
  clock: Clock;
  logger: Logger;
  leaseMs: number;
  /** Whether any task has limits: then a missing `limits` is reported at once, not at first use. */
  anyLimited: boolean;
  admit: (job: HeldJob) => void;
}): LimitGates {
  const { clock, logger, leaseMs } = options;
  let limits = options.limits;
  let warned = false;
  const gates = new Map<string, Gate>();
  /** Lease token → slot key, for the jobs holding a slot. */
  const slots = new Map<string, string>();
  const gateOf = new Map<string, Gate>();
  let toFree: Array<{ key: string; holder: string }> = [];
  let closed = false;

  function limitsForUse(): TransportLimits {
    if (limits) return limits;
    if (!warned) {
      warned = true;
      logger.warn(
        'the transport has no shared limits: rateLimit and concurrencyLimit hold per worker process only',
      );
    }
    // The in-memory transport's limits are this process's own, on the worker's clock.
    limits = memoryTransport({ clock }).limits as TransportLimits;
    return limits;
  }

  if (options.anyLimited) limitsForUse();

  function gateFor(task: AnyTaskDefinition): Gate {
    let gate = gates.get(task.name);
    if (!gate) {
      gate = {
        task: task.name,
        rateLimit: task.rateLimit,
        concurrencyLimit: task.concurrencyLimit,
        waiting: [],
        busy: false,
        timer: undefined,
      };
      gates.set(task.name, gate);
    }
    return gate;
  }

  function later(gate: Gate, ms: number): void {
    if (closed || gate.timer !== undefined) return;
    gate.timer = clock.setTimeout(() => {
      gate.timer = undefined;
      void drain(gate);
    }, ms);
  }

  /** Asks for the head job's slot, then its permit; denied: waits for the hint. */
  async function drain(gate: Gate): Promise<void> {
    if (gate.busy || closed) return;
    gate.busy = true;
    try {
      const shared = limitsForUse();
      while (!closed) {
        const job = gate.waiting[0];
        if (!job) return;
        if (gate.concurrencyLimit !== undefined) {
          const key = `task:${gate.task}`;
          const slot = await shared.acquireSlot(key, gate.concurrencyLimit, job.token, leaseMs);
          if (!slot.granted) {
            later(gate, slot.retryInMs);
            return;
          }
          slots.set(job.token, key);
          // Left the gate (cancel, lost lease) while we asked: give the slot back.
          if (gate.waiting[0] !== job) {
            freeSlot(job);
            continue;
          }
        }
        if (gate.rateLimit !== undefined) {
          const { limit, per } = gate.rateLimit;
          const permit = await shared.takeRate(`rate:${gate.task}`, limit, per);
          if (!permit.granted) {
            later(gate, permit.retryInMs);
            return;
          }
        }
        if (gate.waiting[0] !== job) {
          freeSlot(job);
          continue;
        }
        gate.waiting.shift();
        gateOf.delete(job.token);
        options.admit(job);
      }
    } catch (error) {
      logger.warn(
        { err: error, task: gate.task, retryInMs: ERROR_RETRY_MS },
        'limits call failed; jobs of this task wait and ask again',
      );
      later(gate, ERROR_RETRY_MS);
    } finally {
      gate.busy = false;
    }
  }

  function flushFreed(): void {
    const list = toFree;
    toFree = [];
    if (list.length === 0 || !limits) return;
    limits.freeSlots(list).catch((error: unknown) => {
      logger.warn(
        { err: error, slots: list.length },
        'freeing slots failed; they free themselves when their lease ends',
      );
    });
  }

  function freeSlot(job: HeldJob): void {
    const key = slots.get(job.token);
    if (key === undefined) return;
    slots.delete(job.token);
    // Batched per tick: many jobs ending together cost one call.
    toFree.push({ key, holder: job.token });
    if (toFree.length === 1) queueMicrotask(flushFreed);
    // A slot of ours freed: the next job of that task may take it now.
    const gate = gates.get(key.slice('task:'.length));
    if (gate && gate.waiting.length > 0) {
      if (gate.timer !== undefined) clock.clearTimeout(gate.timer);
      gate.timer = undefined;
      queueMicrotask(() => void drain(gate));
    }
  }

  return {
    gated(task): task is AnyTaskDefinition {
      return (
        task !== undefined && (task.rateLimit !== undefined || task.concurrencyLimit !== undefined)
      );
    },

    enter(job, task) {
      const gate = gateFor(task);
      gate.waiting.push(job);
      gateOf.set(job.token, gate);
      logger.debug(jobFields(job), 'waiting for the task limits');
      // While a denial's hint runs, newcomers wait for it too: no extra calls.
      if (gate.timer === undefined) void drain(gate);
    },

    leave(job) {
      const gate = gateOf.get(job.token);
      if (!gate) return false;
      gateOf.delete(job.token);
      const index = gate.waiting.indexOf(job);
      if (index >= 0) gate.waiting.splice(index, 1);
      // A slot taken for it while it waited for a permit goes back. (A slot still being
      // asked for is given back by `drain`, which checks the head after each call.)
      freeSlot(job);
      return index >= 0;
    },

    freeSlot,

    async renew() {
      if (slots.size === 0 || !limits) return;
      const list = [...slots].map(([holder, key]) => ({ key, holder }));
      try {
        await limits.renewSlots(list, leaseMs);
      } catch (error) {
        logger.warn(
          { err: error, slots: list.length },
          'renewing slots failed; retrying at the next heartbeat',
        );
      }
    },

    get waitingCount() {
      return gateOf.size;
    },

    async close() {
      closed = true;
      for (const gate of gates.values()) {
        if (gate.timer !== undefined) clock.clearTimeout(gate.timer);
        gate.timer = undefined;
      }
      for (const [holder, key] of slots) toFree.push({ key, holder });
      slots.clear();
      const list = toFree;
      toFree = [];
      if (list.length > 0 && limits) {
        await limits.freeSlots(list).catch(() => {});
      }
    },
  };
}

/** Whether any task of the registry has a rate limit or a concurrency cap. */
export function hasTaskLimits(registry: TaskRegistry): boolean {
  return registry.names().some((name) => {
    const task = registry.get(name);
    return task?.rateLimit !== undefined || task?.concurrencyLimit !== undefined;
  });
}
