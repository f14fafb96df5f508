import type { Logger, Settlement, SettleStatus, Transport } from '@conveyor/core';

/** `error`: the settle call itself failed; the lease will expire and the job run again. */
export type SettleAnswer = SettleStatus | 'error';

export interface SettleBatcher {
  /**
   * Queues one settlement; calls `onAnswer(answer, context)` once its batch is answered
   * (`error` if the call failed). One shared callback and a context the caller has anyway:
   * no promise or closure per job.
   */
  send<C>(
    settlement: Settlement,
    context: C,
    onAnswer: (answer: SettleAnswer, context: C) => void,
  ): void;
  /** Resolves once everything sent so far has been answered. */
  drain(): Promise<void>;
  /**
   * From now on (a stopping worker), sends each batch at once, beside the calls in flight:
   * against a broker that does not answer, calls one after another would each wait out the
   * command timeout (the release of prefetched jobs, then the completions).
   */
  hurry(): void;
  /** Whether a settle call failed since `hurry` (a broker that does not answer, say). */
  readonly failedSinceHurry: boolean;
}

interface Entry {
  settlement: Settlement;
  context: unknown;
  resolve: (answer: SettleAnswer, context: unknown) => void;
}

/**
 * Groups settlements into few settle calls without a timer per job: at most one call is
 * in flight (until `hurry`), settlements sent meanwhile go in the next one, and an idle
 * batcher sends on the next microtask (so jobs ending in the same tick share a call).
 */
export function createSettleBatcher(options: {
  transport: Transport;
  maxBatch: number;
  logger: Logger;
}): SettleBatcher {
  const { transport, maxBatch, logger } = options;
  let queued: Entry[] = [];
  let scheduled = false;
  let inFlight = 0;
  let hurried = false;
  let failedSinceHurry = false;
  let drained: Array<() => void> = [];

  function schedule(): void {
    if (scheduled || (inFlight > 0 && !hurried)) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      send();
    });
  }

  function send(): void {
    if (queued.length === 0) {
      if (inFlight === 0) notifyDrained();
      return;
    }
    if (inFlight > 0 && !hurried) return;
    do {
      const batch = queued.slice(0, maxBatch);
      queued = queued.slice(batch.length);
      inFlight++;
      void call(batch).finally(() => {
        inFlight--;
        send();
      });
    } while (hurried && queued.length > 0);
  }

  async function call(batch: Entry[]): Promise<void> {
    let statuses: SettleStatus[];
    try {
      statuses = await transport.settle(batch.map((entry) => entry.settlement));
    } catch (error) {
      if (hurried) failedSinceHurry = true;
      logger.error(
        { err: error, jobIds: batch.map((entry) => entry.settlement.id) },
        // A call cut off by the connection (a reset, the command timeout) may have been
        // applied: a broker can run it after its reply was lost.
        'settle call failed: unless the broker applied it before its reply was lost, these jobs run again once their leases expire (look them up with conveyor inspect <id>)',
      );
      for (const entry of batch) answer(entry, 'error');
      return;
    }
    for (let index = 0; index < batch.length; index++) {
      answer(batch[index] as Entry, statuses[index] ?? 'error');
    }
  }

  /** `send` callbacks run right here: one that throws must not cost the others their answer. */
  function answer(entry: Entry, status: SettleAnswer): void {
    try {
      entry.resolve(status, entry.context);
    } catch (error) {
      if (hurried) failedSinceHurry = true;
      logger.error({ err: error, jobId: entry.settlement.id }, 'settle callback threw');
    }
  }

  function enqueue(entry: Entry): void {
    queued.push(entry);
    if (queued.length >= maxBatch && (inFlight === 0 || hurried)) send();
    else schedule();
  }

  function notifyDrained(): void {
    const waiters = drained;
    drained = [];
    for (const waiter of waiters) waiter();
  }

  return {
    send(settlement, context, onAnswer) {
      enqueue({ settlement, context, resolve: onAnswer as Entry['resolve'] });
    },
    drain() {
      if (inFlight === 0 && queued.length === 0 && !scheduled) return Promise.resolve();
      return new Promise<void>((resolve) => drained.push(resolve));
    },
    get failedSinceHurry() {
      return failedSinceHurry;
    },
    hurry() {
      hurried = true;
      // Whatever waits for the call in flight goes now.
      if (queued.length > 0) send();
    },
  };
}
