/**
 * `client.workflows`: starting workflow runs and handles for them (docs/workflows.md §2).
 * A run's input is validated as a job's is, in the form the worker will receive, so an
 * input the worker would refuse is refused here, before anything is stored. Starting
 * stores the record and enqueues the first stage's jobs through `applyWorkflowEffects`,
 * the one path from a workflow's outbox to its jobs.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { assertIdempotencyKey, toEpoch } from './call-options.js';
import type { Client } from './client.js';
import { InvalidOptionError, PayloadTooLargeError, ValidationError } from './errors.js';
import {
  checkDuplicateWorkflowInput,
  type IdempotencyMode,
  inputFingerprint,
} from './idempotency.js';
import { isWorkflowId, newWorkflowId, WORKFLOW_ID_RULE } from './ids.js';
import type { JsonValue } from './json.js';
import { checkJsonValue } from './json.js';
import { receivedInput } from './json-boundary.js';
import { assertKnownKeys, type KnownKeys } from './known-keys.js';
import type { Logger } from './logger.js';
import { utf8SizeOver } from './payload-size.js';
import { MAX_DURATION_MS } from './retry-policy.js';
import { validateNow } from './schema.js';
import type { Transport } from './transport.js';
import { requireCapability, type TransportWith } from './transport-capabilities.js';
import type { WorkflowStartRequest } from './transport-workflows.js';
import {
  type AnyWorkflowLike,
  assertWorkflowLike,
  bindWorkflow,
  lastStageTasks,
  planOf,
  type WorkflowInputOf,
  type WorkflowResultOf,
  type WorkflowStub,
} from './workflow/contract.js';
import { applyWorkflowEffects } from './workflow/dispatch.js';
import { createWorkflowHandle, type WorkflowHandle } from './workflow/handle.js';
import { planForRun } from './workflow/plan.js';

/**
 * Per-run options of `start` (and a stub's `delay`). `timeoutMs` and `deadline` exclude each
 * other, in the types as at run time; each may be `undefined`, as if left out.
 */
export type StartWorkflowOptions = {
  /**
   * A second start of the same workflow with the same key, while the first run's record
   * exists, returns that run (`handle.duplicate` is true) and stores and enqueues nothing.
   * Another workflow's run with the same key is a run of its own. Sent again with a
   * different input, the key still returns the first run, with a warning naming both input
   * fingerprints (or an error with `createClient({ idempotency: 'strict' })`).
   */
  idempotencyKey?: string | undefined;
} & (
  | {
      /** Fail the run (`WORKFLOW_TIMED_OUT`) if it is still running this many ms (> 0) from now. */
      timeoutMs?: number | undefined;
      deadline?: undefined;
    }
  | {
      timeoutMs?: undefined;
      /** Fail the run (`WORKFLOW_TIMED_OUT`) if it is still running then (a time ahead). */
      deadline?: Date | number | undefined;
    }
);

export interface ClientWorkflows {
  /**
   * Validates `input` with the workflow's schema, stores the run and enqueues its first
   * stage. Accepts a definition (`defineWorkflow`) or a contract (`workflowContract`, as
   * codegen writes). Needs `transport.workflows` (`CAPABILITY_MISSING` otherwise); an
   * invalid input throws `VALIDATION_FAILED` quoting it, and nothing is stored.
   *
   * @example
   * const run = await client.workflows.start(placeOrder, order, { idempotencyKey: order.orderId });
   * const fulfilled = await run.result({ timeout: 60_000 });
   */
  start<W extends AnyWorkflowLike>(
    workflow: W,
    input: WorkflowInputOf<W>,
    options?: StartWorkflowOptions,
  ): Promise<WorkflowHandle<WorkflowResultOf<W>>>;
  /** A typed handle for a run whose id you have: `result()` decodes as the workflow's. */
  handle<W extends AnyWorkflowLike>(workflow: W, id: string): WorkflowHandle<WorkflowResultOf<W>>;
  /** A handle for any run by id: `result()` gives the stored JSON as it is. */
  handle(id: string): WorkflowHandle<unknown>;
  /** `placeOrder.delay(…)` stubs bound to this client. */
  bind<W extends AnyWorkflowLike>(workflow: W): WorkflowStub<W>;
}

/** The client's settings `client.workflows` follows. */
export interface ClientWorkflowsOptions {
  maxPayloadBytes: number;
  /** A key sent again with another input: `'warn'` or `'strict'`, as for jobs. */
  idempotency: IdempotencyMode;
  /** Where that warning goes: the client's logger. */
  logger: Logger;
}

/** `client.workflows` over a transport; `client` is what `bind` binds stubs to. */
export function createClientWorkflows(
  transport: Transport,
  client: () => Client,
  options: ClientWorkflowsOptions,
): ClientWorkflows {
  const { idempotency, logger } = options;
  const capability = (what: string): TransportWith<'workflows'> => {
    requireCapability(transport, 'workflows', `client.workflows.${what}`);
    return transport as TransportWith<'workflows'>;
  };

  function handle(
    workflowOrId: AnyWorkflowLike | string,
    maybeId?: string,
  ): WorkflowHandle<unknown> {
    const withWorkflows = capability('handle');
    const typed = typeof workflowOrId !== 'string';
    if (typed) assertWorkflowLike(workflowOrId, 'workflow of client.workflows.handle');
    const id = typed ? maybeId : workflowOrId;
    if (!isWorkflowId(id)) throw new InvalidOptionError('workflow id', id, WORKFLOW_ID_RULE);
    if (!typed) return createWorkflowHandle(withWorkflows, id, false);
    // Typed: every operation refuses a run of another workflow (docs/workflows.md §2).
    const tasks = lastStageTasks(workflowOrId);
    return createWorkflowHandle(withWorkflows, id, false, tasks, workflowOrId.name);
  }

  return {
    async start<W extends AnyWorkflowLike>(
      workflow: W,
      input: WorkflowInputOf<W>,
      call: StartWorkflowOptions = {},
    ): Promise<WorkflowHandle<WorkflowResultOf<W>>> {
      const withWorkflows = capability('start');
      assertWorkflowLike(workflow, 'workflow of client.workflows.start');
      const deadline = checkStartOptions(call);
      const key = call.idempotencyKey;
      if (key !== undefined) assertIdempotencyKey(key);
      const id = newWorkflowId();
      const sent = await checkedInput(workflow, input, id, options.maxPayloadBytes);
      // Each run places its partitioned steps by its own id: runs spread over the partitions.
      const plan = planForRun(planOf(workflow), id);
      const request: WorkflowStartRequest = { id, plan, input: sent };
      if (key !== undefined) {
        request.idempotencyKey = key;
        request.inputFingerprint = inputFingerprint(JSON.stringify(sent));
      }
      if (deadline !== undefined) request.deadline = deadline;
      if (workflow.fingerprint !== undefined) request.inputSchema = workflow.fingerprint;
      const started = await withWorkflows.workflows.start(request);
      if (started.duplicate && request.inputFingerprint !== undefined) {
        checkDuplicateWorkflowInput(idempotency, logger, {
          workflow: workflow.name,
          idempotencyKey: key as string,
          runId: started.id,
          existingFingerprint: started.inputFingerprint,
          inputFingerprint: request.inputFingerprint,
        });
      }
      await applyWorkflowEffects(withWorkflows, started.id, { dispatch: started.dispatch });
      return createWorkflowHandle<WorkflowResultOf<W>>(
        withWorkflows,
        started.id,
        started.duplicate,
        lastStageTasks(workflow),
        workflow.name,
      );
    },
    handle: handle as ClientWorkflows['handle'],
    bind: (workflow) => bindWorkflow(client, workflow),
  };
}

/**
 * The input as the transport stores it (its JSON form), once it has passed the schema as
 * given and, when JSON changes it (a Date, an `undefined` property), as the worker will
 * receive it.
 */
async function checkedInput(
  workflow: AnyWorkflowLike,
  input: unknown,
  id: string,
  maxPayloadBytes: number,
): Promise<JsonValue> {
  const schema: StandardSchemaV1 = workflow.input;
  const given = await validateNow(schema, input);
  if (!given.ok) throw inputError(workflow.name, given.issues, input, false);
  const exact = checkJsonValue(input, 'input');
  const inputJson = JSON.stringify(input);
  const bytes = utf8SizeOver(inputJson, maxPayloadBytes);
  if (bytes !== undefined) {
    const error = new PayloadTooLargeError(workflow.name, bytes, maxPayloadBytes, id, 'input');
    error.message = `The input of workflow ${JSON.stringify(workflow.name)} is ${bytes} bytes, over the ${maxPayloadBytes}-byte limit. Store large data elsewhere (database, object store) and pass its id, or raise maxPayloadBytes.`;
    throw error;
  }
  if (exact) return input as JsonValue;
  const received = receivedInput(schema, inputJson);
  const afterJson = await validateNow(schema, received);
  if (!afterJson.ok) throw inputError(workflow.name, afterJson.issues, received, true);
  return JSON.parse(inputJson) as JsonValue;
}

/**
 * A `VALIDATION_FAILED` error about a workflow's input, quoting the value at each issue's
 * path (`value`: the input as given, or after the JSON trip when `afterJson`).
 */
function inputError(
  workflow: string,
  issues: readonly StandardSchemaV1.Issue[],
  value: unknown,
  afterJson: boolean,
): ValidationError {
  return new ValidationError(workflow, 'input', issues, { afterJson, of: 'workflow', value });
}

const START_OPTION_KEYS = {
  idempotencyKey: true,
  timeoutMs: true,
  deadline: true,
} as const satisfies KnownKeys<StartWorkflowOptions>;

/** Checks a start's options; returns the run's deadline (epoch ms), if it has one. */
function checkStartOptions(call: StartWorkflowOptions): number | undefined {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    throw new InvalidOptionError('options', call, 'an object of start options, or none');
  }
  assertKnownKeys(call, START_OPTION_KEYS, 'workflow start option');
  const { timeoutMs, deadline } = call;
  if (timeoutMs !== undefined && deadline !== undefined) {
    throw new InvalidOptionError('deadline', deadline, 'either timeoutMs or deadline, not both');
  }
  // A run whose time is up as it starts would fail WORKFLOW_TIMED_OUT at once, after its
  // first step's job had started: refused here, with nothing stored.
  if (timeoutMs !== undefined) {
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= MAX_DURATION_MS)) {
      // The general duration rule says "from 0", which a run's time limit is not.
      throw new InvalidOptionError(
        'timeoutMs',
        timeoutMs,
        `a number of ms greater than 0${timeoutMs === 0 ? ': the run would time out as it starts' : ` and at most ${MAX_DURATION_MS.toLocaleString('en-US')}`}. Leave timeoutMs out for a run without a time limit`,
      );
    }
    return Date.now() + timeoutMs;
  }
  if (deadline === undefined) return undefined;
  const at = toEpoch(deadline, 'deadline');
  const now = Date.now();
  if (at <= now) {
    throw new InvalidOptionError(
      'deadline',
      deadline,
      `a time in the future: ${new Date(at).toISOString()} is ${(now - at).toLocaleString('en-US')} ms before now (${new Date(now).toISOString()}), so the run would time out as it starts. Pass a later time, or timeoutMs for a time from now`,
    );
  }
  return at;
}
