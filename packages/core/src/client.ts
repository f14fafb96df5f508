import { ENVELOPE_VERSION, type JobEnvelope, serializeInput } from './envelope.js';
import { InvalidOptionError, ValidationError } from './errors.js';
import { newJobId } from './ids.js';
import { createJobHandle, type JobHandle } from './job-handle.js';
import type { JsonValue } from './json.js';
import { assertByteLimit, DEFAULT_MAX_PAYLOAD_BYTES } from './payload-size.js';
import { PreparedRequest } from './prepared-request.js';
import { assertDuration, resolveRetryPolicy } from './retry-policy.js';
import { type ValidationOutcome, validateNow } from './schema.js';
import { bindTask, type TaskStub } from './stub.js';
import {
  type AnyTaskContract,
  assertPriority,
  assertQueueOption,
  DEFAULT_PRIORITY,
  DEFAULT_QUEUE,
  type TaskInput,
  type TaskResult,
} from './task.js';
import type { EnqueueRequest, EnqueueResult, JobRecord, Transport } from './transport.js';

export interface ClientOptions {
  transport: Transport;
  /** Largest serialized job accepted, in bytes. Default 512 KiB. */
  maxPayloadBytes?: number;
  /** How long an idempotency key stays claimed, in ms. Default 24 h. */
  dedupeWindowMs?: number;
  /** Jobs per transport call in `enqueueMany`. Default 1,000. */
  batchSize?: number;
}

/** Per-call options; they override the task's own settings. */
export interface EnqueueOptions {
  /** Run no earlier than this many ms from now (Celery's countdown). */
  delay?: number;
  /** Run no earlier than this time (Celery's eta). */
  eta?: Date | number;
  /** 0–9, higher first. */
  priority?: number;
  queue?: string;
  /** Total runs allowed, overriding the task's retry policy. */
  attempts?: number;
  /** A second enqueue with the same key (same queue, within the dedupe window) returns the first job. */
  idempotencyKey?: string;
  /** Drop the job if it has not started by then (Celery's expires). */
  expiresAt?: Date | number;
}

export interface Client {
  readonly transport: Transport;
  /**
   * Validates `input` with the task's schema and enqueues one job.
   *
   * @example
   * const job = await client.enqueue(sendWelcomeEmail, { email, name }, { delay: 5_000 });
   * console.log(job.id, await job.status());
   */
  enqueue<T extends AnyTaskContract>(
    task: T,
    input: TaskInput<T>,
    options?: EnqueueOptions,
  ): Promise<JobHandle<TaskResult<T>>>;
  /** Enqueues many jobs of one task, one transport round trip per batch. */
  enqueueMany<T extends AnyTaskContract>(
    task: T,
    inputs: readonly TaskInput<T>[],
    options?: EnqueueOptions,
  ): Promise<JobHandle<TaskResult<T>>[]>;
  /** A job's record, or null. */
  getJob(id: string): Promise<JobRecord | null>;
  /** A handle for a job id you already have (Celery's `AsyncResult(id)`). */
  job<TResult = unknown>(id: string): JobHandle<TResult>;
  /** `task.delay()` / `task.enqueue()` stubs bound to this client. */
  bind<T extends AnyTaskContract>(task: T): TaskStub<T>;
  /** Closes the transport. */
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

/**
 * Creates a producer client over a transport.
 *
 * @example
 * const client = createClient({ transport: redisTransport({ url: process.env.REDIS_URL }) });
 * const job = await client.enqueue(sendWelcomeEmail, { email: 'ada@example.com', name: 'Ada' });
 */
export function createClient(options: ClientOptions): Client {
  const { transport } = options;
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const dedupeWindowMs = options.dedupeWindowMs ?? DAY_MS;
  const batchSize = options.batchSize ?? 1_000;
  assertByteLimit(maxPayloadBytes, 'maxPayloadBytes');
  assertDuration(dedupeWindowMs, 'dedupeWindowMs');
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidOptionError('batchSize', batchSize, 'a positive integer');
  }

  /** What every job of one call shares; worked out once per call, after the first input passed. */
  interface CallParts {
    queue: string;
    maxAttempts: number;
    priority: number;
    expiresAt: number | undefined;
    delayMs: number | undefined;
    runAt: number | undefined;
  }

  const callParts = (task: AnyTaskContract, call: EnqueueOptions): CallParts => ({
    queue: call.queue ?? task.queue ?? DEFAULT_QUEUE,
    maxAttempts: call.attempts ?? resolveRetryPolicy(task.retry).attempts,
    priority: call.priority ?? task.priority ?? DEFAULT_PRIORITY,
    expiresAt: call.expiresAt === undefined ? undefined : toEpoch(call.expiresAt, 'expiresAt'),
    delayMs: call.delay,
    runAt:
      call.delay === undefined && call.eta !== undefined ? toEpoch(call.eta, 'eta') : undefined,
  });

  const prepare = (
    task: AnyTaskContract,
    input: unknown,
    call: EnqueueOptions,
    parts: CallParts,
  ): EnqueueRequest => {
    const envelope: JobEnvelope = {
      v: ENVELOPE_VERSION,
      id: newJobId(parts.queue),
      task: task.name,
      queue: parts.queue,
      input: input as JsonValue,
      attempt: 0,
      maxAttempts: parts.maxAttempts,
      priority: parts.priority,
      enqueuedAt: Date.now(),
    };
    if (call.idempotencyKey !== undefined) envelope.idempotencyKey = call.idempotencyKey;
    if (parts.expiresAt !== undefined) envelope.expiresAt = parts.expiresAt;
    if (task.fingerprint !== undefined) envelope.schema = task.fingerprint;
    const inputJson = serializeInput(envelope, maxPayloadBytes);
    return new PreparedRequest(envelope, inputJson, dedupeWindowMs, parts.delayMs, parts.runAt);
  };

  /**
   * Validates and prepares every input, in order. Schemas that validate synchronously (most
   * do) cost no promise per job; the first invalid input throws, as before anything is sent.
   */
  const prepareAll = (
    task: AnyTaskContract,
    inputs: readonly unknown[],
    call: EnqueueOptions,
  ): EnqueueRequest[] | Promise<EnqueueRequest[]> => {
    // No closures here: this runs once per single enqueue.
    let parts: CallParts | undefined;
    const requests: EnqueueRequest[] = [];
    for (let index = 0; index < inputs.length; index++) {
      const input = inputs[index];
      const outcome = validateNow(task.input, input);
      if (outcome instanceof Promise) return prepareRest(task, inputs, call, requests, outcome);
      if (!outcome.ok) throw new ValidationError(task.name, 'input', outcome.issues);
      parts ??= callParts(task, call);
      requests.push(prepare(task, input, call, parts));
    }
    return requests;
  };

  /** The rest of a batch once a schema validated asynchronously: the way it always went. */
  const prepareRest = async (
    task: AnyTaskContract,
    inputs: readonly unknown[],
    call: EnqueueOptions,
    done: EnqueueRequest[],
    pending: Promise<ValidationOutcome<unknown>>,
  ): Promise<EnqueueRequest[]> => {
    const rest = inputs.slice(done.length);
    let parts: CallParts | undefined;
    const prepared = await Promise.all(
      rest.map(async (input, offset) => {
        const outcome = offset === 0 ? await pending : await validateNow(task.input, input);
        if (!outcome.ok) throw new ValidationError(task.name, 'input', outcome.issues);
        parts ??= callParts(task, call);
        return prepare(task, input, call, parts);
      }),
    );
    return done.concat(prepared);
  };

  const handlesOf = <T extends AnyTaskContract>(
    results: readonly EnqueueResult[],
    handles: JobHandle<TaskResult<T>>[],
  ): void => {
    for (const { id, duplicate } of results) {
      handles.push(createJobHandle<TaskResult<T>>(transport, id, duplicate));
    }
  };

  const enqueueBatch = async <T extends AnyTaskContract>(
    task: T,
    inputs: readonly unknown[],
    call: EnqueueOptions,
  ): Promise<JobHandle<TaskResult<T>>[]> => {
    checkCallOptions(call);
    // Validate every input before the first batch goes out: an invalid input must not
    // leave earlier batches enqueued with no handles returned for them.
    const prepared = prepareAll(task, inputs, call);
    const requests = prepared instanceof Promise ? await prepared : prepared;
    const handles: JobHandle<TaskResult<T>>[] = [];
    if (requests.length === 0) return handles;
    if (requests.length <= batchSize) {
      handlesOf(await transport.enqueue(requests), handles);
      return handles;
    }
    for (let start = 0; start < requests.length; start += batchSize) {
      handlesOf(await transport.enqueue(requests.slice(start, start + batchSize)), handles);
    }
    return handles;
  };

  const client: Client = {
    transport,
    async enqueue(task, input, call = {}) {
      checkCallOptions(call);
      const prepared = prepareAll(task, [input], call);
      const requests = prepared instanceof Promise ? await prepared : prepared;
      const [result] = await transport.enqueue(requests);
      // The transport returns exactly one result per request.
      const { id, duplicate } = result as EnqueueResult;
      return createJobHandle<TaskResult<typeof task>>(transport, id, duplicate);
    },
    enqueueMany: (task, inputs, call = {}) => enqueueBatch(task, inputs, call),
    getJob: (id) => transport.getJob(id),
    job: (id) => createJobHandle(transport, id),
    bind: (task) => bindTask(client, task),
    close: () => transport.close(),
  };
  return client;
}

function checkCallOptions(call: EnqueueOptions): void {
  if (call.queue !== undefined) assertQueueOption(call.queue);
  if (call.priority !== undefined) assertPriority(call.priority);
  if (call.delay !== undefined) assertDuration(call.delay, 'delay');
  if (call.attempts !== undefined) resolveRetryPolicy({ attempts: call.attempts });
  if (call.delay !== undefined && call.eta !== undefined) {
    throw new InvalidOptionError('eta', call.eta, 'either delay or eta, not both');
  }
  if (call.idempotencyKey !== undefined) {
    const key = call.idempotencyKey;
    if (typeof key !== 'string' || key.length === 0 || key.length > 256) {
      throw new InvalidOptionError('idempotencyKey', key, 'a string of 1–256 characters');
    }
  }
}

function toEpoch(value: Date | number, option: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InvalidOptionError(option, value, 'a Date or epoch milliseconds');
  }
  return ms;
}
