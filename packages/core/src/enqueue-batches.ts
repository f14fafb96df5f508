import { ConveyorError, TransportError } from './errors.js';
import type { JobHandle } from './job-handle.js';
import type { EnqueueRequest, EnqueueResult, Transport } from './transport.js';

// `enqueueMany` of more inputs than `batchSize` makes one transport call per batch, in order.
// A call that fails part-way has stored some batches for certain, one batch perhaps, and the
// rest not at all: the caller must learn which, or a retry of the whole call duplicates what
// was stored and giving up loses what was not. The error says it, and carries the handles.

/**
 * Where a failed `enqueueMany` of more than one batch left its inputs, on the error of the
 * batch that failed (`error.enqueueMany`). Inputs `[0, stored.length)` were stored, inputs
 * `[uncertain.from, uncertain.to)` may have been, inputs `[notSentFrom, count)` were not.
 *
 * @example
 * catch (error) {
 *   const progress = error instanceof ConveyorError ? error.enqueueMany : undefined;
 *   if (!progress) throw error;
 *   const lost = [];
 *   for (const [i, id] of progress.uncertain.ids.entries()) {
 *     if (!(await client.getJob(id))) lost.push(inputs[progress.uncertain.from + i]);
 *   }
 *   await client.enqueueMany(task, [...lost, ...inputs.slice(progress.notSentFrom)]);
 * }
 */
export interface EnqueueManyProgress {
  /** How many inputs the call was given. */
  readonly count: number;
  /**
   * The jobs of the inputs stored for certain, their batches acknowledged: `stored[i]` is
   * `inputs[i]`'s, as `enqueueMany` would have returned it.
   */
  readonly stored: readonly JobHandle[];
  /**
   * The batch that failed, inputs `[from, to)`: sent, never acknowledged, so each of its
   * jobs may or may not have been stored. `ids[i]` is the job id of `inputs[from + i]`:
   * look each up (`client.getJob(id)`) before sending its input again.
   */
  readonly uncertain: {
    readonly from: number;
    readonly to: number;
    readonly ids: readonly string[];
  };
  /** The first input never sent (`count` when the last batch failed): nothing from it on is stored. */
  readonly notSentFrom: number;
}

/**
 * Sends `requests` in batches of `batchSize`, one transport call at a time, and returns the
 * handles `accept` makes of each batch's results, in input order. A batch that fails is
 * reported by {@link partialEnqueue}; what `accept` throws (a strict idempotency conflict)
 * passes through.
 */
export async function enqueueInBatches<H extends JobHandle>(
  transport: Transport,
  requests: readonly EnqueueRequest[],
  batchSize: number,
  accept: (
    batch: readonly EnqueueRequest[],
    results: readonly EnqueueResult[],
    start: number,
  ) => H[],
): Promise<H[]> {
  const handles: H[] = [];
  for (let start = 0; start < requests.length; start += batchSize) {
    const batch = requests.slice(start, start + batchSize);
    let results: EnqueueResult[];
    try {
      results = await transport.enqueue(batch);
    } catch (error) {
      throw partialEnqueue(error, transport.name, {
        count: requests.length,
        stored: handles,
        uncertain: { from: start, to: start + batch.length, ids: batch.map(idOf) },
        notSentFrom: start + batch.length,
      });
    }
    for (const handle of accept(batch, results, start)) handles.push(handle);
  }
  return handles;
}

/**
 * The error of a failed batch, told where the call left its inputs: `enqueueMany` set, the
 * inputs it is about at the start of its message (as `atInput` marks one input's), and what
 * to do at the end. A transport's error that is not a Conveyor error gets a `TransportError`
 * around it, since only a Conveyor error has a place for the handles.
 */
function partialEnqueue(
  error: unknown,
  transportName: string,
  progress: EnqueueManyProgress,
): ConveyorError {
  const marked =
    error instanceof ConveyorError && error.enqueueMany === undefined
      ? error
      : new TransportError(
          `The ${transportName} transport's enqueue failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
  marked.enqueueMany = progress;
  const told = /[.!?]$/.test(marked.message) ? marked.message : `${marked.message}.`;
  const { count, stored, uncertain, notSentFrom } = progress;
  const failed = inputRange(uncertain.from, uncertain.to);
  const storedPart =
    stored.length === 0
      ? 'none was stored for certain'
      : `${inputRange(0, stored.length)} ${were(stored.length)} stored, their batches acknowledged (their jobs are in error.enqueueMany.stored)`;
  const unsentPart =
    notSentFrom < count
      ? `, and ${inputRange(notSentFrom, count)} ${were(count - notSentFrom)} never sent`
      : '';
  const resend =
    notSentFrom < count ? `, then call enqueueMany again with inputs.slice(${notSentFrom})` : '';
  marked.message = `${failed} (of ${count}): ${told} In this enqueueMany, ${storedPart}; ${failed} may have been stored (the batch that failed: its job ids are in error.enqueueMany.uncertain.ids)${unsentPart}. Do not send the whole call again, which would enqueue again what was stored: look up the failed batch's jobs by id (client.getJob(id)) and send again the inputs of those not found${resend}.`;
  return marked;
}

/** `inputs[a]`, or `inputs[a–b]` for the inputs `[from, to)`. */
function inputRange(from: number, to: number): string {
  return to - from === 1 ? `inputs[${from}]` : `inputs[${from}–${to - 1}]`;
}

function were(inputs: number): string {
  return inputs === 1 ? 'was' : 'were';
}

function idOf(request: EnqueueRequest): string {
  return request.envelope.id;
}
