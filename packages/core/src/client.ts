import {
  assertTask,
  type CallParts,
  callPartsOf,
  checkCallOptions,
  type EnqueueManyOptions,
  type EnqueueOptions,
  idempotencyKeyOf,
} from './call-options.js';
import { type ClientQueues, createClientQueues } from './client-queues.js';
import { type ClientSchedules, createClientSchedules } from './client-schedules.js';
import { type ClientWorkflows, createClientWorkflows } from './client-workflows.js';
import { enqueueInBatches } from './enqueue-batches.js';
import { ENVELOPE_VERSION, type JobEnvelope, serializeInput } from './envelope.js';
import { atInput, InvalidOptionError, ValidationError } from './errors.js';
import { checkDuplicateInputs, type IdempotencyMode } from './idempotency.js';
import { indexEntriesOf } from './input-index.js';
import { createJobHandle, type JobHandle, jobIdOf } from './job-handle.js';
import type { JsonValue } from './json.js';
import { receivedInput } from './json-boundary.js';
import { assertKnownKeys, type KnownKeys } from './known-keys.js';
import { consoleLogger, type Logger } from './logger.js';
import {
  checkPartitionCounts,
  newRoutedJob,
  type PartitionCounts,
  taskRouter,
} from './partition-routing.js';
import { assertByteLimit, DEFAULT_MAX_PAYLOAD_BYTES } from './payload-size.js';
import { PreparedRequest } from './prepared-request.js';
import { resultDecoder } from './result-codec.js';
import { assertDuration } from './retry-policy.js';
import { type ValidationOutcome, validateNow } from './schema.js';
import { bindTask, type TaskStub } from './stub.js';
import type { AnyTaskContract, TaskInput, TaskResult } from './task.js';
import type { EnqueueRequest, EnqueueResult, JobRecord, Transport } from './transport.js';

export interface ClientOptions {
  transport: Transport;
  /** Largest serialized job accepted, in bytes. Default 512 KiB. */
  maxPayloadBytes?: number;
  /** How long an idempotency key stays claimed, in ms. Default 24 h. */
  dedupeWindowMs?: number;
  /** Jobs per transport call in `enqueueMany`. Default 1,000. */
  batchSize?: number;
  /**
   * An idempotency key that comes back with a different input than the job holding it:
   * `'warn'` (default) logs a warning and returns that job, `'strict'` throws
   * `IdempotencyConflictError` (code `IDEMPOTENCY_CONFLICT`). Either way nothing is added.
   */
  idempotency?: IdempotencyMode;
  /** Where warnings go. Default: `console`, each line tagged `conveyor-client`; a pino logger fits. */
  logger?: Logger;
  /**
   * Partition counts of queues whose tasks declare none (docs/partitions.md), as the
   * workers have them: `{ emails: 8 }`. A task that declares its queue's partitions must
   * agree (else `INVALID_OPTION`).
   */
  partitions?: PartitionCounts;
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
  /**
   * Enqueues many jobs of one task, one transport round trip per batch (`batchSize`). When a
   * batch fails, its error's `enqueueMany` says which inputs were stored and which never sent.
   */
  enqueueMany<T extends AnyTaskContract>(
    task: T,
    inputs: readonly TaskInput<T>[],
    options?: EnqueueManyOptions<TaskInput<T>>,
  ): Promise<JobHandle<TaskResult<T>>[]>;
  /** A job's record, or null. */
  getJob(id: string): Promise<JobRecord | null>;
  /** A handle for a job id you already have (Celery's `AsyncResult(id)`). */
  job<TResult = unknown>(id: string): JobHandle<TResult>;
  /** `task.delay()` / `task.enqueue()` stubs bound to this client. */
  bind<T extends AnyTaskContract>(task: T): TaskStub<T>;
  /**
   * Queues at the broker: `pause` and `resume` one (every partition of a partitioned queue),
   * `isPaused`, and its `counts`. Needs `transport.admin`.
   *
   * @example
   * await client.queues.pause('warehouse');
   */
  readonly queues: ClientQueues;
  /**
   * Schedules at the broker: `upsert` one made at run time, `list`, `pause`, `resume`,
   * `runNow` and `remove` any stored one. Needs `transport.schedules`.
   *
   * @example
   * await client.schedules.pause('shop.lowStockReport');
   */
  readonly schedules: ClientSchedules;
  /**
   * Workflow runs: `start` one (a definition or a codegen contract), a `handle` for a run's
   * id, `bind` stubs. Needs `transport.workflows`.
   *
   * @example
   * const run = await client.workflows.start(placeOrder, order);
   * console.log((await run.status())?.status, await run.result());
   */
  readonly workflows: ClientWorkflows;
  /** Closes the transport. */
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
/** The setting a job over the client's cap names: the transport and the worker have their own. */
const CLIENT_PAYLOAD_SETTING =
  "the client's maxPayloadBytes (createClient; the transport and the worker have their own)";

/**
 * Creates a producer client over a transport.
 *
 * @example
 * const client = createClient({ transport: redisTransport({ url: process.env.REDIS_URL }) });
 * const job = await client.enqueue(sendWelcomeEmail, { email: 'ada@example.com', name: 'Ada' });
 */
const CLIENT_OPTION_KEYS = {
  transport: true,
  maxPayloadBytes: true,
  dedupeWindowMs: true,
  batchSize: true,
  idempotency: true,
  logger: true,
  partitions: true,
} as const satisfies KnownKeys<ClientOptions>;

export function createClient(options: ClientOptions): Client {
  assertKnownKeys(options, CLIENT_OPTION_KEYS, 'createClient option');
  const { transport } = options;
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const dedupeWindowMs = options.dedupeWindowMs ?? DAY_MS;
  const batchSize = options.batchSize ?? 1_000;
  assertByteLimit(maxPayloadBytes, 'maxPayloadBytes');
  assertDuration(dedupeWindowMs, 'dedupeWindowMs');
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidOptionError('batchSize', batchSize, 'a positive integer');
  }
  const idempotency = options.idempotency ?? 'warn';
  if (idempotency !== 'warn' && idempotency !== 'strict') {
    throw new InvalidOptionError('idempotency', idempotency, "'warn' or 'strict'");
  }
  const logger = options.logger ?? consoleLogger({ name: 'conveyor-client' });
  const partitions = checkPartitionCounts(options.partitions, 'partitions');

  const routeFor = taskRouter(partitions);
  // Once per call, after the first input passed.
  const callParts = (task: AnyTaskContract, call: EnqueueOptions | EnqueueManyOptions): CallParts =>
    callPartsOf(task, call, routeFor(task, call.queue));

  /** A job's request, and whether its input comes back from JSON exactly as given. */
  const prepare = (
    task: AnyTaskContract,
    input: unknown,
    key: string | undefined,
    parts: CallParts,
  ): { request: PreparedRequest; exact: boolean } => {
    const { queue, id } = newRoutedJob(parts.route, input, key);
    const envelope: JobEnvelope = {
      v: ENVELOPE_VERSION,
      id,
      task: task.name,
      queue,
      input: input as JsonValue,
      attempt: 0,
      maxAttempts: parts.maxAttempts,
      priority: parts.priority,
      enqueuedAt: Date.now(),
    };
    if (key !== undefined) envelope.idempotencyKey = key;
    if (parts.expiresAt !== undefined) envelope.expiresAt = parts.expiresAt;
    if (task.fingerprint !== undefined) envelope.schema = task.fingerprint;
    const { inputJson, exact } = serializeInput(envelope, maxPayloadBytes, CLIENT_PAYLOAD_SETTING);
    const request = new PreparedRequest(
      envelope,
      inputJson,
      dedupeWindowMs,
      parts.delayMs,
      parts.runAt,
    );
    if (task.index !== undefined && task.index.length > 0) {
      // Values as the worker will read them: from the input's JSON form.
      const sent = exact ? envelope.input : (JSON.parse(inputJson) as JsonValue);
      const index = indexEntriesOf(sent, task.index);
      if (index.length > 0) request.index = index;
    }
    return { request, exact };
  };

  /** One call's shared parts, worked out when its first input has passed. */
  interface CallState {
    readonly task: AnyTaskContract;
    readonly call: EnqueueOptions | EnqueueManyOptions;
    readonly count: number;
    parts?: CallParts;
  }

  /**
   * Validates and prepares one input: synchronously when its schema is (most are), else
   * a promise. The input is validated as given, and then, when JSON would change it (a
   * Date, an `undefined` property), in the form the worker will receive, so that a job
   * the worker would refuse is refused here instead, before it is queued.
   */
  const prepareOne = (
    state: CallState,
    input: unknown,
    index: number,
  ): EnqueueRequest | Promise<EnqueueRequest> => {
    const outcome = validateNow(state.task.input, input);
    if (outcome instanceof Promise) {
      return outcome.then((settled) => afterValidation(state, input, index, settled));
    }
    return afterValidation(state, input, index, outcome);
  };

  const afterValidation = (
    state: CallState,
    input: unknown,
    index: number,
    outcome: ValidationOutcome<unknown>,
  ): EnqueueRequest | Promise<EnqueueRequest> => {
    const { task, call, count } = state;
    if (!outcome.ok) {
      throw atInput(
        new ValidationError(task.name, 'input', outcome.issues, { value: input }),
        index,
        count,
      );
    }
    // The call's own options are at fault, not this input: no `inputs[i]` before the message.
    state.parts ??= callParts(task, call);
    let prepared: { request: PreparedRequest; exact: boolean };
    try {
      prepared = prepare(task, input, idempotencyKeyOf(call, input, index), state.parts);
    } catch (error) {
      throw atInput(error, index, count);
    }
    const { request } = prepared;
    if (prepared.exact) return request;
    const received = receivedInput(task.input, request.inputJson);
    const checked = validateNow(task.input, received);
    if (checked instanceof Promise) {
      return checked.then((settled) => afterJson(state, request, index, settled, received));
    }
    return afterJson(state, request, index, checked, received);
  };

  /** `received`: the input as the worker gets it, which the message quotes. */
  const afterJson = (
    { task, count }: CallState,
    request: EnqueueRequest,
    index: number,
    outcome: ValidationOutcome<unknown>,
    received: unknown,
  ): EnqueueRequest => {
    if (outcome.ok) return request;
    const error = new ValidationError(task.name, 'input', outcome.issues, {
      afterJson: true,
      value: received,
    });
    throw atInput(error, index, count);
  };

  /**
   * Validates and prepares every input, in order. Schemas that validate synchronously (most
   * do) cost no promise per job; the first invalid input throws, as before anything is sent.
   */
  const prepareAll = (
    task: AnyTaskContract,
    inputs: readonly unknown[],
    call: EnqueueOptions | EnqueueManyOptions,
  ): EnqueueRequest[] | Promise<EnqueueRequest[]> => {
    assertTask(task, 'task');
    // No closures here: this runs once per single enqueue.
    const state: CallState = { task, call, count: inputs.length };
    const requests: EnqueueRequest[] = [];
    for (let index = 0; index < inputs.length; index++) {
      const prepared = prepareOne(state, inputs[index], index);
      if (prepared instanceof Promise) return prepareRest(state, inputs, requests, prepared);
      requests.push(prepared);
    }
    return requests;
  };

  /** The rest of a batch once a schema validated asynchronously: all at once, in order. */
  const prepareRest = async (
    state: CallState,
    inputs: readonly unknown[],
    done: EnqueueRequest[],
    pending: Promise<EnqueueRequest>,
  ): Promise<EnqueueRequest[]> => {
    const first = done.length;
    const rest = inputs
      .slice(first + 1)
      // async: an input that fails synchronously rejects like the rest, not beside them.
      .map(async (input, offset) => prepareOne(state, input, first + 1 + offset));
    return done.concat(await Promise.all([pending, ...rest]));
  };

  const handlesOf = <T extends AnyTaskContract>(
    task: T,
    results: readonly EnqueueResult[],
  ): JobHandle<TaskResult<T>>[] => {
    const decode = resultDecoder(task);
    return results.map(({ id, duplicate }) =>
      createJobHandle<TaskResult<T>>(transport, id, duplicate, decode),
    );
  };

  const enqueueBatch = async <T extends AnyTaskContract>(
    task: T,
    inputs: readonly unknown[],
    call: EnqueueManyOptions,
  ): Promise<JobHandle<TaskResult<T>>[]> => {
    // A lone input (or a string, taken a character at a time) would enqueue the wrong jobs.
    if (!Array.isArray(inputs)) {
      throw new InvalidOptionError(
        'inputs',
        inputs,
        'an array of task inputs, e.g. enqueueMany(task, [{ … }, { … }]); enqueue(task, input) takes one',
      );
    }
    checkCallOptions(call, true);
    // Validate every input before the first batch goes out: an invalid input must not
    // leave earlier batches enqueued with no handles returned for them.
    const prepared = prepareAll(task, inputs, call);
    const requests = prepared instanceof Promise ? await prepared : prepared;
    if (requests.length === 0) return [];
    if (requests.length <= batchSize) {
      const results = await transport.enqueue(requests);
      checkDuplicateInputs(idempotency, logger, requests, results, 0, requests.length);
      return handlesOf(task, results);
    }
    // A batch that fails says which inputs were stored, with their handles, and which not sent.
    return enqueueInBatches(transport, requests, batchSize, (batch, results, start) => {
      // Strict: a conflict stops the call here; earlier batches stay enqueued.
      checkDuplicateInputs(idempotency, logger, batch, results, start, requests.length);
      return handlesOf(task, results);
    });
  };

  const client: Client = {
    transport,
    async enqueue(task, input, call = {}) {
      checkCallOptions(call);
      const prepared = prepareAll(task, [input], call);
      const requests = prepared instanceof Promise ? await prepared : prepared;
      const [result] = await transport.enqueue(requests);
      if (result?.inputFingerprint !== undefined) {
        checkDuplicateInputs(idempotency, logger, requests, [result], 0, 1);
      }
      // The transport returns exactly one result per request.
      const { id, duplicate } = result as EnqueueResult;
      return createJobHandle<TaskResult<typeof task>>(
        transport,
        id,
        duplicate,
        resultDecoder(task),
      );
    },
    enqueueMany: (task, inputs, call = {}) =>
      enqueueBatch(task, inputs, call as EnqueueManyOptions),
    getJob: async (id) => transport.getJob(jobIdOf(id)),
    job: (id) => createJobHandle(transport, jobIdOf(id)),
    bind: (task) => bindTask(client, task),
    queues: createClientQueues(transport, partitions),
    schedules: createClientSchedules(transport, partitions, logger),
    workflows: createClientWorkflows(transport, () => client, {
      maxPayloadBytes,
      idempotency,
      logger,
    }),
    close: () => transport.close(),
  };
  return client;
}
