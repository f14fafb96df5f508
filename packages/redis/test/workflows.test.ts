import { createHash } from 'node:crypto';
import {
  type DispatchEntry,
  type MapChildren,
  memoryTransport,
  newWorkflowId,
  silentLogger,
  stepJobRequest,
  type WorkflowPlan,
  type WorkflowPlanStep,
} from '@conveyor/core';
import { uniqueQueue } from '@conveyor/core/testing';
import { workflowJobId, workflowKeyScope } from '@conveyor/core/transport';
import { applyWorkflowEffects, enqueueMapChildren } from '@conveyor/core/worker';
import { describe, expect, it } from 'vitest';
import { redisTransport } from '../src/index.js';
import { workflowIndexKeys, workflowKeyClaim, workflowKeys } from '../src/keys.js';
import { defineScripts, runScript } from '../src/scripts.js';
import { usePrivateRedis } from './helpers/private-redis.js';
import { sleep } from './helpers/util.js';

// What the conformance suite (W1–W17) cannot see on Redis: the key layout and its TTLs, the
// idempotency key claim under concurrent starts, the Lua job ids of long steps, step jobs'
// ids and `workflow` field through enqueue, reserve and getJob, and the index hints.

const redis = usePrivateRedis();

const step = (name: string, queue: string, extra: Partial<WorkflowPlanStep> = {}) => ({
  name,
  task: `test.${name}`,
  queue,
  maxAttempts: 2,
  priority: 3,
  onFailure: 'fail' as const,
  mapped: false,
  ...extra,
});

function mapPlan(queue: string, stepName = 'each'): WorkflowPlan {
  return {
    workflow: 'test.flow',
    stages: [
      { kind: 'step', steps: [step('split', queue)] },
      { kind: 'map', steps: [step(stepName, queue)] },
      { kind: 'step', steps: [step('join', queue)] },
    ],
    compensations: [],
    fingerprint: '0123456789abcdef',
  };
}

describe('redis workflows', () => {
  it('20 concurrent starts with one idempotency key create exactly one workflow', async () => {
    const transport = redis.transport();
    const plan = mapPlan(uniqueQueue('wf-key'));
    const ids = Array.from({ length: 20 }, () => newWorkflowId());
    const starts = await Promise.all(
      ids.map((id) => transport.workflows.start({ id, plan, input: 1, idempotencyKey: 'once' })),
    );
    const created = starts.filter((start) => !start.duplicate);
    expect(created).toHaveLength(1);
    const winner = created[0]?.id as string;
    expect(new Set(starts.map((start) => start.id))).toEqual(new Set([winner]));
    const stored = await Promise.all(ids.map((id) => transport.workflows.get(id)));
    expect(stored.filter((record) => record !== null).map((record) => record?.id)).toEqual([
      winner,
    ]);
  });

  it('a finished workflow’s keys expire after the result TTL, and its idempotency key is freed', async () => {
    const transport = redisTransport({
      url: redis.url(),
      logger: silentLogger,
      // Long enough that the checks after the cancel (a few round trips) finish before the
      // keys expire on a busy machine; the test then waits out the rest.
      defaultResultTtlMs: 2_000,
    });
    const admin = redis.admin();
    try {
      const plan = mapPlan(uniqueQueue('wf-ttl'));
      const id = newWorkflowId();
      await transport.workflows.start({ id, plan, input: null, idempotencyKey: 'ttl' });
      // Running: no key expires (each that exists has no TTL).
      const keys = workflowKeys('conveyor', id);
      for (const key of keys) expect(await admin.pttl(key)).toBeLessThan(0);
      await transport.workflows.record(id, { step: 'split' }, { ok: true, result: 1 });
      expect(await transport.workflows.cancel(id)).toMatchObject({ cancelled: true });
      const listed = async () =>
        (await transport.workflows.ended('cancelled', 1_000)).map((entry) => entry.id);
      expect(await listed()).toContain(id);
      const ttl = await admin.pttl(keys[0] as string);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2_000);
      // A second start with the key answers the first workflow while it is kept…
      const again = newWorkflowId();
      expect(
        await transport.workflows.start({ id: again, plan, input: null, idempotencyKey: 'ttl' }),
      ).toEqual({ id, duplicate: true, dispatch: [] });
      while ((await admin.exists(keys[0] as string)) === 1) await sleep(20);
      // …and starts a new one once it expired; the ended list leaves it out and drops it.
      expect(await transport.workflows.get(id)).toBeNull();
      expect(await listed()).not.toContain(id);
      expect(await admin.zscore(workflowIndexKeys('conveyor')[6] as string, id)).toBeNull();
      const fresh = await transport.workflows.start({
        id: again,
        plan,
        input: null,
        idempotencyKey: 'ttl',
      });
      expect(fresh).toMatchObject({ id: again, duplicate: false });
    } finally {
      await transport.close();
    }
  });

  it('a completion after its workflow ended, its first result, expires with the workflow’s keys [W17]', async () => {
    const transport = redis.transport();
    const admin = redis.admin();
    const plan = mapPlan(uniqueQueue('wf-late-ttl'));
    const id = newWorkflowId();
    await transport.workflows.start({ id, plan, input: null });
    await transport.workflows.claim(id, { step: 'split' });
    await transport.workflows.cancel(id);
    const [meta, , , results] = workflowKeys('conveyor', id) as [string, string, string, string];
    expect(await admin.exists(results)).toBe(0);
    const late = await transport.workflows.record(id, { step: 'split' }, { ok: true, result: 1 });
    expect(late).toMatchObject({ recorded: true, status: 'cancelled' });
    expect(await transport.workflows.results(id, 'split')).toEqual([1]);
    // Without a TTL it would outlive the record; with it, it goes with the meta hash.
    const [ttl, metaTtl] = [await admin.pttl(results), await admin.pttl(meta)];
    expect(ttl).toBeGreaterThan(0);
    expect(Math.abs(ttl - metaTtl)).toBeLessThan(1_000);
  });

  it('a step with no result is stored so that earlier versions read null, as they stored it; their null still reads null [W10]', async () => {
    const transport = redis.transport();
    const admin = redis.admin();
    const plan = mapPlan(uniqueQueue('wf-no-result'));
    const id = newWorkflowId();
    await transport.workflows.start({ id, plan, input: null });
    await transport.workflows.record(id, { step: 'split' }, { ok: true });
    await transport.workflows.expand(id, 'each', [1, 2], 10);
    const results = (workflowKeys('conveyor', id) as [string, string, string, string])[3];
    const stored = (await admin.hget(results, 'split')) as string;
    // What an earlier version's reader makes of it: the null it stored for no result.
    expect(JSON.parse(stored)).toBeNull();
    expect(await transport.workflows.results(id, 'split')).toEqual([undefined]);
    // A child's null written by an earlier version (no result, then) reads as it did.
    await admin.hset(results, 'each#0', 'null');
    expect(await transport.workflows.results(id, 'each')).toEqual([null, undefined]);
  });

  it('a retried workflow’s keys stop expiring', async () => {
    const transport = redis.transport();
    const admin = redis.admin();
    const plan = mapPlan(uniqueQueue('wf-persist'));
    const id = newWorkflowId();
    await transport.workflows.start({ id, plan, input: null });
    const error = { name: 'Error', message: 'no' };
    await transport.workflows.record(id, { step: 'split' }, { ok: false, error });
    expect(await admin.pttl(workflowKeys('conveyor', id)[0] as string)).toBeGreaterThan(0);
    expect((await transport.workflows.retry(id)).retried).toBe(true);
    expect(await admin.pttl(workflowKeys('conveyor', id)[0] as string)).toBe(-1);
  });

  it('a retried workflow’s idempotency key claim stops expiring: a start with the key answers it', async () => {
    const transport = redis.transport();
    const admin = redis.admin();
    const plan = mapPlan(uniqueQueue('wf-key-retry'));
    const id = newWorkflowId();
    await transport.workflows.start({ id, plan, input: null, idempotencyKey: 'retried' });
    const claim = workflowKeyClaim('conveyor', keyHash(workflowKeyScope('test.flow', 'retried')));
    expect(await admin.get(claim)).toBe(id);
    expect(await admin.pttl(claim)).toBe(-1);
    await transport.workflows.record(id, { step: 'split' }, failedWith('no'));
    expect(await admin.pttl(claim)).toBeGreaterThan(0);
    expect((await transport.workflows.retry(id)).retried).toBe(true);
    expect(await admin.get(claim)).toBe(id);
    expect(await admin.pttl(claim)).toBe(-1);
    const again = newWorkflowId();
    expect(
      await transport.workflows.start({ id: again, plan, input: null, idempotencyKey: 'retried' }),
    ).toEqual({ id, duplicate: true, dispatch: [] });
  });

  it('names a key’s claim by workflow and key [W1]; a run started before keys were scoped keeps its bare-key claim, which ends with it', async () => {
    const transport = redis.transport();
    const admin = redis.admin();
    const plan = mapPlan(uniqueQueue('wf-key-scope'));
    const id = newWorkflowId();
    const key = uniqueQueue('order');
    await transport.workflows.start({ id, plan, input: 1, idempotencyKey: key });
    const scoped = workflowKeyClaim('conveyor', keyHash(`9:test.flow:${key}`));
    expect(await admin.get(scoped)).toBe(id);
    const [meta] = workflowKeys('conveyor', id) as [string];
    expect(await admin.hget(meta, 'ik')).toBe(`9:test.flow:${key}`);
    // As a run started before the change stored it: its bare key, and the claim it named.
    const old = newWorkflowId();
    await transport.workflows.start({ id: old, plan, input: 2 });
    const bare = workflowKeyClaim('conveyor', keyHash(`${key}-old`));
    await admin.hset(workflowKeys('conveyor', old)[0] as string, 'ik', `${key}-old`);
    await admin.set(bare, old);
    // The old claim is not read: a start with the key now is a run of its own…
    const fresh = await transport.workflows.start({
      id: newWorkflowId(),
      plan,
      input: 3,
      idempotencyKey: `${key}-old`,
    });
    expect(fresh.duplicate).toBe(false);
    // …and the old run's claim still follows it: set to expire when it ends.
    expect(await admin.pttl(bare)).toBe(-1);
    expect((await transport.workflows.cancel(old)).cancelled).toBe(true);
    expect(await admin.pttl(bare)).toBeGreaterThan(0);
  });

  it('the outbox stays oldest first across calls, and the outbox index holds its oldest entry’s time', async () => {
    const transport = redis.transport();
    const admin = redis.admin();
    const [, outboxKey] = workflowIndexKeys('conveyor') as [string, string, string];
    const queue = uniqueQueue('wf-order');
    // `z` then `a`: `a`'s job id sorts first, so a tie in the order would put it first.
    const plan: WorkflowPlan = {
      workflow: 'test.flow',
      stages: [
        { kind: 'step', steps: [step('z', queue)] },
        { kind: 'step', steps: [step('a', queue)] },
      ],
      compensations: [],
      fingerprint: '0123456789abcdef',
    };
    const id = newWorkflowId();
    const started = await transport.workflows.start({ id, plan, input: null });
    const zAt = started.dispatch[0]?.at as number;
    // `a`'s entry is made at a later Redis time than `z`'s, which is never marked dispatched.
    const redisNow = async () => {
      const [s, us] = await admin.time();
      return Number(s) * 1000 + Math.floor(Number(us) / 1000);
    };
    while ((await redisNow()) <= zAt) await sleep(1);
    const recorded = await transport.workflows.record(id, { step: 'z' }, { ok: true, result: 1 });
    expect(recorded.dispatch.map((entry) => entry.step)).toEqual(['a']);
    expect(recorded.dispatch[0]?.at).toBeGreaterThan(zAt);
    const outbox = await transport.workflows.outbox(id);
    expect(outbox.map((entry) => [entry.step, entry.at])).toEqual([
      ['z', zAt],
      ['a', recorded.dispatch[0]?.at],
    ]);
    expect(Number(await admin.zscore(outboxKey, id))).toBe(zAt);
    expect(await transport.workflows.stale(zAt + 1, 1_000)).toContain(id);
  });

  it('job ids of steps too long for the plain form are hashed in Lua as workflowJobId hashes them', async () => {
    const transport = redis.transport();
    const queue = uniqueQueue('wf-long');
    const long = `s${'x'.repeat(63)}`;
    const id = `wf_${'L'.repeat(64)}`;
    const started = await transport.workflows.start({ id, plan: mapPlan(queue, long), input: 0 });
    expect(started.dispatch[0]?.jobId).toBe(workflowJobId(queue, id, 'split'));
    const split = await transport.workflows.record(id, { step: 'split' }, { ok: true, result: 0 });
    const expected = workflowJobId(queue, id, long);
    expect(expected).toMatch(/:[A-Za-z0-9_-]{22}$/);
    expect(split.dispatch[0]?.jobId).toBe(expected);
    const expanded = await transport.workflows.expand(id, long, [1, 2], 10);
    // The children entry's key is its expand job's id; the children's ids are made in Lua
    // for the cancel list and the record.
    expect(expanded.children?.key).toBe(`${expected}#children`);
    const record = await transport.workflows.get(id);
    expect(record?.steps.filter((s) => s.child !== undefined).map((s) => s.jobId)).toEqual([
      workflowJobId(queue, id, long, 0),
      workflowJobId(queue, id, long, 1),
    ]);
    const failed = await transport.workflows.record(
      id,
      { step: long, child: 1 },
      failedWith('boom'),
    );
    expect(failed.cancel).toEqual([workflowJobId(queue, id, long, 0)]);
    const retried = await transport.workflows.retry(id);
    expect(retried.dispatch.map((entry) => [entry.jobId, entry.children])).toEqual([
      [workflowJobId(queue, id, long, undefined, 1), 2],
    ]);
    const again = await transport.workflows.expand(id, long, [1, 2], 10);
    expect(again.children?.open).toEqual([
      { child: 0, retries: 1 },
      { child: 1, retries: 1 },
    ]);
  });

  it('step jobs (ids with "." and ":") keep their workflow reference through enqueue, reserve, getJob and listJobs', async () => {
    const transport = redis.transport();
    const queue = uniqueQueue('wf-jobs');
    const id = newWorkflowId();
    const long = `s${'y'.repeat(63)}`;
    const plan = mapPlan(queue, long);
    await transport.workflows.start({ id, plan, input: null });
    const split = await transport.workflows.record(id, { step: 'split' }, { ok: true, result: 0 });
    const items = ['a', 'b'];
    const expanded = await transport.workflows.expand(id, long, items, 10);
    const children = (expanded.children?.open ?? []).map(({ child, retries }) => ({
      ...(split.dispatch[0] as DispatchEntry),
      child,
      kind: 'run' as const,
      jobId: workflowJobId(queue, id, long, child, retries),
      input: items[child],
    }));
    const entries = [...split.dispatch, ...children];
    const requests = entries.map((entry) => stepJobRequest(id, entry));
    const enqueued = await transport.enqueue(requests);
    expect(enqueued.map((result) => result.duplicate)).toEqual([false, false, false]);
    // A fixed id enqueued again adds nothing.
    const again = await transport.enqueue(requests.slice(0, 1));
    expect(again[0]?.duplicate).toBe(true);
    const reserved = await transport.reserve({
      queues: [queue],
      max: 10,
      leaseMs: 30_000,
      consumer: 'test',
    });
    expect(reserved.map((r) => [r.envelope.id, r.envelope.workflow, r.envelope.input])).toEqual(
      requests.map((r) => [r.envelope.id, r.envelope.workflow, r.envelope.input]),
    );
    expect(requests[1]?.envelope.workflow).toEqual({ id, step: long, child: 0, kind: 'run' });
    expect(requests[0]?.envelope.workflow).toEqual({ id, step: long, kind: 'expand' });
    for (const request of requests) {
      const record = await transport.getJob(request.envelope.id);
      expect(record?.envelope.workflow).toEqual(request.envelope.workflow);
      expect(record?.envelope.id).toBe(request.envelope.id);
    }
    const page = await transport.admin.listJobs(queue, { state: 'active' });
    expect(page.jobs.map((job) => job.envelope.workflow).sort(byChild)).toEqual(
      requests.map((r) => r.envelope.workflow).sort(byChild),
    );
    // The plain form's id has dots after the workflow id.
    const plainId = workflowJobId(queue, id, 'split');
    await transport.enqueue([stepJobRequest(id, { ...entries[0], jobId: plainId } as never)]);
    expect((await transport.getJob(plainId))?.envelope.workflow?.id).toBe(id);
  });

  it('enqueueMapChildren enqueues a 10,000-child expand and clears its one outbox entry; the fan-in is ready once', async () => {
    const transport = redis.transport();
    const queue = uniqueQueue('wf-big');
    const id = newWorkflowId();
    await applyWorkflowEffects(
      transport,
      id,
      await transport.workflows.start({ id, plan: mapPlan(queue), input: null }),
    );
    const split = await transport.workflows.record(id, { step: 'split' }, { ok: true, result: 0 });
    await applyWorkflowEffects(transport, id, split);
    const count = 10_000;
    const items = Array.from({ length: count }, (_, n) => n);
    const expanded = await transport.workflows.expand(id, 'each', items, count);
    expect(expanded.dispatch).toEqual([]);
    expect(await transport.workflows.outbox(id)).toEqual([
      expect.objectContaining({ step: 'each', kind: 'expand', children: count }),
    ]);
    const { children } = expanded;
    expect(children?.open).toHaveLength(count);
    const plan = (await transport.workflows.get(id))?.plan as WorkflowPlan;
    await enqueueMapChildren(transport, id, plan, 'each', items, children as MapChildren);
    expect(await transport.workflows.outbox(id)).toEqual([]);
    expect((await transport.getJob(workflowJobId(queue, id, 'each', 9_999)))?.envelope.input).toBe(
      9_999,
    );
    const joins: string[] = [];
    for (let start = 0; start < count; start += 1_000) {
      const results = await Promise.all(
        items
          .slice(start, start + 1_000)
          .map((n) =>
            transport.workflows.record(
              id,
              { step: 'each', child: n },
              { ok: true, result: { r: n } },
            ),
          ),
      );
      for (const result of results) joins.push(...result.dispatch.map((entry) => entry.step));
    }
    expect(joins).toEqual(['join']);
    const all = await transport.workflows.results(id, 'each', { from: 0, count });
    expect(all).toEqual(items.map((n) => ({ r: n })));
  });

  it("claims and records of a map's children in one call answer as the memory transport's, one by one: a child twice, one past the count, one done already, the stage's last [W16]", async () => {
    const queue = uniqueQueue('wf-batch');
    const id = newWorkflowId();
    const memory = memoryTransport();
    const both = [redis.transport(), memory];
    const each = (n: number) => ({ step: 'each', child: n });
    const ok = (n: number) => ({ address: each(n), outcome: { ok: true as const, result: n } });
    const shape = (r: { status: string; recorded: boolean[]; dispatch: DispatchEntry[] }) => ({
      status: r.status,
      recorded: r.recorded,
      dispatch: r.dispatch.map(({ step, kind, jobId }) => ({ step, kind, jobId })),
    });
    const answers = await Promise.all(
      both.map(async ({ workflows }) => {
        await workflows.start({ id, plan: mapPlan(queue), input: null });
        await workflows.record(id, { step: 'split' }, { ok: true, result: 0 });
        await workflows.expand(id, 'each', [0, 1, 2, 3, 4], 10);
        const claims = await workflows.claimMany(id, [each(0), each(1), each(0), each(9)]);
        const first = await workflows.recordMany(id, [ok(0), ok(0), ok(7), ok(2)]);
        const second = await workflows.recordMany(id, [ok(1), ok(2), ok(3)]);
        const last = await workflows.recordMany(id, [ok(4), ok(4)]);
        const record = await workflows.get(id);
        return {
          claims,
          first: shape(first),
          second: shape(second),
          last: shape(last),
          steps: record?.steps.map(({ step, child, state }) => ({ step, child, state })),
          results: await workflows.results(id, 'each'),
        };
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]?.first.recorded).toEqual([true, false, false, true]);
    expect(answers[0]?.last.dispatch).toEqual([expect.objectContaining({ step: 'join' })]);
    expect(answers[0]?.results).toEqual([0, 1, 2, 3, 4]);
    await memory.close();
  });

  it('index hints that lag or outlive their workflow are corrected by stale and idle', async () => {
    const transport = redis.transport();
    const admin = redis.admin();
    defineScripts(admin);
    const indexKeys = workflowIndexKeys('conveyor');
    const [idleKey, outboxKey, versionsKey] = indexKeys as [string, string, string];
    const plan = mapPlan(uniqueQueue('wf-hints'));
    const id = newWorkflowId();
    await transport.workflows.start({ id, plan, input: null });
    const version = Number(await admin.hget(versionsKey, id));
    expect(version).toBeGreaterThan(0);
    // An update older than the one applied changes nothing.
    await runScript(admin, 'wf-index', indexKeys, ['60000', id, '0', '-', '-', '-']);
    expect(await admin.zscore(idleKey, id)).not.toBeNull();
    // A score that lags: the workflow is checked, not answered, and the score corrected.
    await admin.zadd(idleKey, 1, id);
    expect((await transport.workflows.idle(2, 1_000)).map((entry) => entry.id)).not.toContain(id);
    const record = await transport.workflows.get(id);
    expect(Number(await admin.zscore(idleKey, id))).toBe(record?.updatedAt);
    // A hint for a workflow that is gone is dropped by the reader.
    const gone = newWorkflowId();
    await admin.zadd(idleKey, 1, gone);
    await admin.zadd(outboxKey, 1, gone);
    const now = Date.now() + 1_000;
    expect((await transport.workflows.idle(now, 1_000)).map((entry) => entry.id)).not.toContain(
      gone,
    );
    expect(await transport.workflows.stale(now, 1_000)).not.toContain(gone);
    expect(await admin.zscore(idleKey, gone)).toBeNull();
    expect(await admin.zscore(outboxKey, gone)).toBeNull();
    // An ended workflow leaves both indexes for its ended set, which keeps its version (so a
    // correction read before the end cannot take it back).
    await transport.workflows.cancel(id);
    expect(await admin.zscore(idleKey, id)).toBeNull();
    expect(await admin.zscore(outboxKey, id)).toBeNull();
    const cancelled = await transport.workflows.get(id);
    expect(Number(await admin.zscore(indexKeys[6] as string, id))).toBe(cancelled?.finishedAt);
    expect(Number(await admin.hget(versionsKey, id))).toBeGreaterThan(version);
  });
});

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);

const failedWith = (message: string) => ({
  ok: false as const,
  error: { name: 'Error', message },
});

const byChild = (a: unknown, b: unknown) =>
  JSON.stringify(a ?? null) < JSON.stringify(b ?? null) ? -1 : 1;
