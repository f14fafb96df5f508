import { createHash } from 'node:crypto';
import {
  type ClaimOutcome,
  InvalidOptionError,
  type StepAddress,
  type StepOutcomeItem,
  type TransportWorkflows,
  type WorkflowStartResult,
  type WorkflowStatus,
} from '@conveyor/core';
import { workflowKeyScope } from '@conveyor/core/transport';
import type { Cluster, Redis } from 'ioredis';
import { redisCall } from './call.js';
import { workflowKeyClaim, workflowKeys } from './keys.js';
import { reconnectsOf } from './reconnects.js';
import { runScript, type ScriptName } from './scripts.js';
import {
  decodeRecord,
  readChildren,
  readEntries,
  readOps,
  readResult,
  startArgs,
} from './wire/workflow-calls.js';
import { createWorkflowIndex } from './workflows-index.js';

/** wf-claim.lua's triples: step, child index or '', the claiming job's id or ''. */
function addressArgs(addresses: readonly StepAddress[]): string[] {
  const args: string[] = [];
  for (const { step, child, job } of addresses)
    args.push(step, child === undefined ? '' : String(child), job ?? '');
  return args;
}

/**
 * wf-record.lua's groups: step, child index or '', 1|0, the result or error JSON
 * ({@link NO_RESULT} for a completion with no result), job id or ''.
 */
function outcomeArgs(items: readonly StepOutcomeItem[]): string[] {
  const args: string[] = [];
  for (const { address, outcome } of items) {
    const json = outcome.ok
      ? outcome.result === undefined
        ? NO_RESULT
        : JSON.stringify(outcome.result)
      : JSON.stringify(outcome.error);
    args.push(
      address.step,
      address.child === undefined ? '' : String(address.child),
      outcome.ok ? '1' : '0',
      json,
      address.job ?? '',
    );
  }
  return args;
}

/**
 * A step's (or child's) stored result when its task returned nothing, written by first write
 * as any result (it marks the unit done) and read back as `undefined` [W10]. It is JSON's
 * `null` with a leading space, which `JSON.stringify` never writes: earlier versions, which
 * stored `null` for such a step, read it as they did (`null`), and read here their `null`
 * stays `null`.
 */
const NO_RESULT = ' null';

/** A stored result as wf-results.lua answers it: none, no result, or its JSON. */
const storedResult = (value: unknown) => (value === NO_RESULT ? undefined : readResult(value));

/** How long an idempotency key's claim waits for its workflow's start before it is freed. */
const KEY_CLAIM_MS = 30_000;
/** How long a start that lost a key to a start under way waits to see that workflow. */
const PENDING_START_WAIT_MS = 1_000;

export interface RedisWorkflowsOptions {
  commands: Redis | Cluster;
  prefix: string;
  /** How long a finished workflow's keys are kept: the jobs' result TTL [W9]. */
  resultTtlMs: number;
  /** Cancels step jobs (in their queues' slots) of a workflow a deadline ended [W14]. */
  cancelJobs(jobIds: readonly string[]): Promise<unknown>;
}

type WorkflowScript = Extract<ScriptName, `wf-${string}`>;

/**
 * `TransportWorkflows` on Redis [W1–W15]: each workflow's record under its own hash tag
 * `{wf:<id>}`, one Lua script per operation (scripts/wf-*.lua, sharing includes/wf.lua) on
 * Redis `TIME`. An idempotency key is claimed in a key of its own before the start script
 * runs (wf-key.lua); `stale` and `idle` read indexes across workflows (workflows-index.ts).
 * `createTransport` checks the arguments.
 */
export function redisWorkflows(options: RedisWorkflowsOptions): TransportWorkflows {
  const { commands, prefix } = options;
  const ttl = String(options.resultTtlMs);

  const script = (name: WorkflowScript, id: string, args: ReadonlyArray<string>) =>
    redisCall(
      name,
      () => runScript(commands, name, workflowKeys(prefix, id), [ttl, id], args),
      commands,
    ) as Promise<unknown[]>;

  const index = createWorkflowIndex({
    commands,
    prefix,
    resultTtlMs: options.resultTtlMs,
    async peek(id) {
      const reply = await script('wf-peek', id, []);
      await report(id, reply[0]);
      return {
        exists: Number(reply[1]) === 1,
        status: String(reply[2]),
        version: String(reply[3]),
        updatedAt: Number(reply[4]),
        oldest: Number(reply[5]),
        finishedAt: reply[6] === '' || reply[6] == null ? undefined : Number(reply[6]),
      };
    },
  });

  /**
   * A key's claim, by its scope (`workflowKeyScope`: the workflow's name and the key [W1]);
   * a run started before keys were scoped stored its bare key, which names its old claim.
   */
  const claimOf = (scope: string) =>
    workflowKeyClaim(prefix, createHash('sha256').update(scope).digest('hex').slice(0, 32));
  const keyCall = (scope: string, args: readonly string[]) =>
    redisCall('wf-key', () => runScript(commands, 'wf-key', [claimOf(scope)], args), commands);

  /**
   * After a script: the indexes hear of it, and the workflow's key claim follows it: committed
   * (no TTL) when it started or was retried, set to expire with its keys when it ended.
   */
  async function report(id: string, opsReply: unknown): Promise<void> {
    const ops = readOps(opsReply);
    const claim =
      ops.key === undefined
        ? undefined
        : keyCall(ops.key, ops.idle === '-' ? ['expire', id, ttl, ''] : ['commit', id, '0', '']);
    // A deadline this call applied: its open steps' jobs are cancelled (running ones abort).
    const cancelled = ops.timedOut?.length ? options.cancelJobs(ops.timedOut) : undefined;
    await Promise.all([index.report(id, ops), claim, cancelled]);
  }

  /** Runs a workflow script and reports its ops. */
  async function call(name: WorkflowScript, id: string, args: ReadonlyArray<string> = []) {
    const reply = await script(name, id, args);
    await report(id, reply[0]);
    return reply;
  }

  /** The workflow's outbox entries, oldest first (wf-outbox.lua). */
  const outboxOf = async (id: string) => readEntries((await call('wf-outbox', id))[1]);

  /**
   * For a retry or cancel that found nothing to do: when it was answered across a reconnect
   * (`before`: reconnectsOf before the call), ioredis may have re-sent it after a reset lost
   * the reply of a first run that did it, whose report to the indexes never happened. Then
   * the indexes hear the workflow again (wf-reindex.lua) and its status is answered; else
   * undefined: the call found nothing to do.
   */
  async function ranBefore(id: string, before: number): Promise<string | undefined> {
    if (reconnectsOf(commands) === before) return undefined;
    return String((await call('wf-reindex', id))[1]);
  }

  /** Whether workflow `id` is stored, and the input fingerprint it was started with. */
  const peekStart = async (id: string) => {
    const meta = workflowKeys(prefix, id)[0] as string;
    const [status, fingerprint] = await redisCall(
      'wf-exists',
      () => commands.hmget(meta, 'st', 'if'),
      commands,
    );
    return { started: status !== null, inputFingerprint: fingerprint ?? undefined };
  };

  /**
   * The workflow the key's `scope` belongs to: `id` once claimed for it, or the earlier
   * workflow, with the input fingerprint it was started with. A claim whose workflow is gone
   * (expired) is replaced; one whose start is under way is waited on briefly, then answered
   * as it is.
   */
  async function claimKey(
    scope: string,
    id: string,
  ): Promise<{ owner: string; inputFingerprint?: string | undefined }> {
    let replace = '';
    for (;;) {
      const [outcome, held] = (await keyCall(scope, [
        'claim',
        id,
        String(KEY_CLAIM_MS),
        replace,
      ])) as [string, string?];
      if (outcome === 'claimed') return { owner: id };
      const value = String(held);
      const pending = value.startsWith('p ');
      const other = pending ? value.slice(2) : value;
      let peek = await peekStart(other);
      if (pending) {
        const until = Date.now() + PENDING_START_WAIT_MS;
        while (!peek.started && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          peek = await peekStart(other);
        }
        // Started, its claim not yet committed (or its starter died in between): commit it,
        // so that it does not lapse while the workflow runs.
        if (peek.started) await keyCall(scope, ['commit', other, '0', '']);
        return { owner: other, inputFingerprint: peek.inputFingerprint };
      }
      if (peek.started) return { owner: other, inputFingerprint: peek.inputFingerprint };
      replace = value;
    }
  }

  /** The status, entries and jobs to cancel of wf-record.lua's and wf-expand.lua's replies. */
  const recordResult = (reply: unknown[]) => ({
    status: (reply[1] === '' ? 'unknown' : reply[1]) as WorkflowStatus | 'unknown',
    dispatch: readEntries(reply[3]),
    cancel: ((reply[4] as unknown[] | null) ?? []).map(String),
  });

  return {
    async start(request) {
      const { id, idempotencyKey: key } = request;
      // Scoped by workflow [W1]: another workflow's run with the key is a run of its own.
      const scope = key === undefined ? undefined : workflowKeyScope(request.plan.workflow, key);
      if (scope !== undefined) {
        const { owner, inputFingerprint } = await claimKey(scope, id);
        if (owner !== id) {
          const duplicate: WorkflowStartResult = { id: owner, duplicate: true, dispatch: [] };
          if (inputFingerprint !== undefined) duplicate.inputFingerprint = inputFingerprint;
          return duplicate;
        }
      }
      // A new workflow's claim is committed by report(); a start with an id that exists
      // commits it here.
      const reply = await call('wf-start', id, startArgs(request));
      if (reply[1] === 'again') {
        // Ids are new per start: this start ran already, re-sent by ioredis after a reset
        // connection lost its reply. Not a duplicate: its first stage is still to dispatch.
        if (scope !== undefined) await keyCall(scope, ['commit', id, '0', '']);
        return { id, duplicate: false, dispatch: await outboxOf(id) };
      }
      return { id, duplicate: false, dispatch: readEntries(reply[2]) };
    },

    async claim(id, address) {
      const reply = await call('wf-claim', id, addressArgs([address]));
      return reply[1] as ClaimOutcome;
    },

    async claimMany(id, addresses) {
      const reply = await call('wf-claim', id, addressArgs(addresses));
      return reply.slice(1) as ClaimOutcome[];
    },

    async record(id, address, outcome) {
      const reply = await call('wf-record', id, outcomeArgs([{ address, outcome }]));
      const flag = Number((reply[2] as unknown[] | null)?.[0] ?? -1);
      const result = recordResult(reply);
      // No such step: as no such workflow.
      if (flag === -1) return { ...result, recorded: false, status: 'unknown' };
      return { ...result, recorded: flag === 1 };
    },

    async recordMany(id, items) {
      const reply = await call('wf-record', id, outcomeArgs(items));
      const flags = ((reply[2] as unknown[] | null) ?? []).map(Number);
      return { ...recordResult(reply), recorded: flags.map((flag) => flag === 1) };
    },

    async expand(id, step, items, maxChildren) {
      // Only the count is stored: the items are the caller's to enqueue [W7].
      const reply = await call('wf-expand', id, [step, String(maxChildren), String(items.length)]);
      if (reply[1] === 'not-map') {
        throw new InvalidOptionError(
          `step of workflow ${id}`,
          step,
          `a map step of ${String(reply[2])}`,
        );
      }
      const result = { ...recordResult(reply), recorded: Number(reply[2]) === 1 };
      const children = readChildren(reply[5], items.length);
      return children === undefined ? result : { ...result, children };
    },

    async dispatched(id, jobIds) {
      await call('wf-dispatched', id, jobIds);
    },

    stale: (before, limit) => index.stale(before, limit),
    idle: (before, limit, after) => index.idle(before, limit, after),
    running: (limit, after) => index.running(limit, after),
    ended: (status, limit, after) => index.ended(status, limit, after),

    outbox: outboxOf,

    async get(id, options) {
      const children = options?.children !== false;
      const reply = await call('wf-get', id, [children ? '1' : '0']);
      return reply.length < 2 ? null : decodeRecord(id, reply.slice(1), { children });
    },

    async results(id, step, range) {
      const args = [step, range ? String(range.from) : '', range ? String(range.count) : ''];
      const reply = await call('wf-results', id, args);
      return ((reply[1] as unknown[] | null) ?? []).map(storedResult);
    },

    async cancel(id) {
      const before = reconnectsOf(commands);
      const reply = await call('wf-cancel', id);
      if (Number(reply[1]) !== 1 && (await ranBefore(id, before)) === 'cancelled') {
        // Its steps' jobs, as the first run answered them: cancelling a finished one is a no-op.
        const steps = (await this.get(id))?.steps ?? [];
        const cancel = steps.filter((step) => step.state === 'cancelled' && step.jobId);
        return { cancelled: true, cancel: cancel.map((step) => step.jobId as string) };
      }
      return {
        cancelled: Number(reply[1]) === 1,
        cancel: ((reply[2] as unknown[] | null) ?? []).map(String),
      };
    },

    async retry(id) {
      const before = reconnectsOf(commands);
      const reply = await call('wf-retry', id);
      if (Number(reply[1]) !== 1 && (await ranBefore(id, before)) === 'running') {
        return { retried: true, dispatch: await outboxOf(id) };
      }
      return { retried: Number(reply[1]) === 1, dispatch: readEntries(reply[2]) };
    },
  };
}
