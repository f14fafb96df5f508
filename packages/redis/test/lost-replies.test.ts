// Replies lost with their connection after Redis ran the command (a network reset, an idle
// timeout, a killed proxy): @conveyor/test-redis' startReplyLossProxy cuts the connection right after the
// server answers. The shared server is only read and written under queue names of this file.

import { newWorkflowId, silentLogger, type WorkflowPlan } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type ReplyLossProxy, startReplyLossProxy } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RedisTransport, redisTransport } from '../src/index.js';

const redisUrl = inject('sharedRedisUrl');
let proxy: ReplyLossProxy;
const open: RedisTransport[] = [];
const transportAt = (url: string): RedisTransport => {
  const transport = redisTransport({ url, logger: silentLogger });
  open.push(transport);
  return transport;
};

beforeAll(async () => {
  proxy = await startReplyLossProxy(new URL(redisUrl));
});
afterAll(async () => {
  await Promise.all(open.map((transport) => transport.close()));
  await proxy.close();
});

/** Enqueues `count` jobs of one attempt each (a lost attempt would dead-letter them unrun). */
async function oneAttemptJobs(transport: RedisTransport, queue: string, count: number) {
  const envelopes = Array.from({ length: count }, () => makeEnvelope(queue, { maxAttempts: 1 }));
  await transport.enqueue(envelopes.map((envelope) => ({ envelope })));
  return envelopes.map((envelope) => envelope.id);
}

describe('a reserve whose reply was lost', () => {
  it('re-sent on the command connection: the jobs its first run leased go back, attempt not counted', async () => {
    const transport = transportAt(proxy.url);
    const queue = uniqueQueue('lost-reserve');
    // Scripts loaded first: a NOSCRIPT reply lost would mean the script never ran.
    await transport.reserve({ queues: [queue], max: 1, leaseMs: 60_000, consumer: 'warm' });
    const ids = await oneAttemptJobs(transport, queue, 4);
    const lost = proxy.loseReplyTo('lost-reserve-consumer');
    const reserved = await transport.reserve({
      queues: [queue],
      max: 2,
      leaseMs: 60_000,
      consumer: 'lost-reserve-consumer',
    });
    await lost;
    expect(reserved).toHaveLength(2);
    // ioredis re-sent the reserve, whose second run leased two more jobs: the two the first
    // run leased are waiting again, not leased to nobody until their leases run out.
    const [counts] = await transport.admin.queueCounts([queue]);
    expect(counts).toMatchObject({ waiting: 2, active: 2, dead: 0 });
    const rest = await transport.reserve({
      queues: [queue],
      max: 10,
      leaseMs: 60_000,
      consumer: 'next',
    });
    expect(rest.map((job) => job.envelope.attempt)).toEqual([1, 1]);
    expect([...reserved, ...rest].map((job) => job.envelope.id).sort()).toEqual([...ids].sort());
  });

  it('behind a blocking wait: the jobs it leased go back and the same reserve takes them', async () => {
    const waiting = transportAt(proxy.url);
    const producer = transportAt(redisUrl);
    const queue = uniqueQueue('lost-wait');
    // A blocking connection that has its client id already (asked before its first wait):
    // the next reply on it is the wait's own.
    await waiting.reserve({ queues: [queue], max: 1, leaseMs: 60_000, consumer: 'w', waitMs: 20 });
    const lost = proxy.loseReplyTo('lost-wait-consumer');
    const reserving = waiting.reserve({
      queues: [queue],
      max: 2,
      leaseMs: 60_000,
      consumer: 'lost-wait-consumer',
      waitMs: 30_000,
    });
    const ids = await oneAttemptJobs(producer, queue, 2);
    await lost;
    // The blocking connection re-sends nothing: the reserve failed with it. Its jobs were
    // leased to nobody; given back, the reserve's next look takes them.
    const reserved = await reserving;
    expect(reserved.map((job) => job.envelope.id).sort()).toEqual([...ids].sort());
    expect(reserved.map((job) => job.envelope.attempt)).toEqual([1, 1]);
  });
});

describe('an enqueue whose reply was lost', () => {
  it('re-sent, is not answered as a duplicate of itself, with or without a key', async () => {
    const transport = transportAt(proxy.url);
    const queue = uniqueQueue('lost-enqueue');
    await oneAttemptJobs(transport, queue, 1);
    for (const idempotencyKey of [undefined, 'lost-enqueue-key']) {
      const envelope = makeEnvelope(queue, {
        input: { marker: `lost-enqueue-${idempotencyKey}` },
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      });
      const lost = proxy.loseReplyTo(`lost-enqueue-${idempotencyKey}`);
      const [result] = await transport.enqueue([{ envelope }]);
      await lost;
      expect(result).toEqual({ id: envelope.id, duplicate: false });
    }
    // Stored once each, and a real duplicate by key is still one.
    const [counts] = await transport.admin.queueCounts([queue]);
    expect(counts?.waiting).toBe(3);
    const again = makeEnvelope(queue, { idempotencyKey: 'lost-enqueue-key' });
    const [duplicate] = await transport.enqueue([{ envelope: again }]);
    expect(duplicate?.duplicate).toBe(true);
  });
});

/** A workflow of one step on `queue` that runs once. */
function onePlan(queue: string): WorkflowPlan {
  return {
    workflow: 'test.lost-start',
    stages: [
      {
        kind: 'step',
        steps: [
          {
            name: 'first',
            task: 'test.first',
            queue,
            maxAttempts: 1,
            priority: 3,
            onFailure: 'fail',
            mapped: false,
          },
        ],
      },
    ],
    compensations: [],
    fingerprint: '0123456789abcdef',
  };
}

describe('a workflow start whose reply was lost', () => {
  it('answers its first stage again when re-sent, and leaves the run where the sweepers find it', async () => {
    const transport = transportAt(proxy.url);
    const queue = uniqueQueue('lost-start');
    const plan = onePlan(queue);
    // Scripts loaded first (a NOSCRIPT reply lost would mean the script never ran).
    await transport.workflows.start({ id: newWorkflowId(), plan, input: 'warm' });
    const id = newWorkflowId();
    const lost = proxy.loseReplyTo('lost-start-input');
    const started = await transport.workflows.start({ id, plan, input: 'lost-start-input' });
    await lost;
    // ioredis re-sent the start, which found its own run: not a duplicate, and its first
    // step still to dispatch (it answered nothing before: the step never ran).
    expect(started).toMatchObject({ id, duplicate: false });
    expect(started.dispatch.map((entry) => entry.step)).toEqual(['first']);
    expect(started.dispatch).toEqual(await transport.workflows.outbox(id));
    // In the indexes the sweepers read: its outbox, and the running workflows.
    const far = Date.now() + 3_600_000;
    expect(await transport.workflows.stale(far, 1_000)).toContain(id);
    const running = await transport.workflows.running(1_000);
    expect(running.map((run) => run.id)).toContain(id);
  });
});

describe('a server that takes the connection and stops answering', () => {
  it('fails a call after the command timeout, saying so, instead of hanging it', async () => {
    const transport = transportAt(proxy.url);
    const queue = uniqueQueue('unanswered');
    await oneAttemptJobs(transport, queue, 1);
    proxy.silence();
    try {
      const failed = await transport.enqueue([{ envelope: makeEnvelope(queue) }]).then(
        () => undefined,
        (error: unknown) => error as Error & { failure?: string; mayBeStored?: boolean },
      );
      expect(failed?.failure).toBe('CONNECTION');
      expect(failed?.mayBeStored).toBe(true);
      expect(failed?.message).toContain('Command timed out');
      expect(failed?.message).toContain('did not answer within 10 s');
    } finally {
      proxy.silence(false);
    }
  });
});

describe('a workflow retry or cancel whose reply was lost', () => {
  it('a retry re-sent answers that it retried, with the step to dispatch, and the run is indexed', async () => {
    const transport = transportAt(proxy.url);
    const plan = onePlan(uniqueQueue('lost-retry'));
    const id = newWorkflowId();
    const { dispatch } = await transport.workflows.start({ id, plan, input: null });
    const job = dispatch[0]?.jobId as string;
    await transport.workflows.record(
      id,
      { step: 'first', job },
      {
        ok: false,
        error: { name: 'Error', message: 'boom' },
      },
    );
    expect((await transport.workflows.get(id))?.status).toBe('failed');
    const lost = proxy.loseReplyTo(id);
    const retried = await transport.workflows.retry(id);
    await lost;
    expect(retried.retried).toBe(true);
    expect(retried.dispatch.map((entry) => entry.step)).toEqual(['first']);
    expect((await transport.workflows.running(1_000)).map((run) => run.id)).toContain(id);
    expect(await transport.workflows.stale(Date.now() + 3_600_000, 1_000)).toContain(id);
  });

  it('a cancel re-sent answers that it cancelled, with the step jobs to cancel, and the run is listed cancelled', async () => {
    const transport = transportAt(proxy.url);
    const plan = onePlan(uniqueQueue('lost-cancel'));
    const id = newWorkflowId();
    const { dispatch } = await transport.workflows.start({ id, plan, input: null });
    const lost = proxy.loseReplyTo(id);
    const cancelled = await transport.workflows.cancel(id);
    await lost;
    expect(cancelled).toEqual({ cancelled: true, cancel: [dispatch[0]?.jobId] });
    const ended = await transport.workflows.ended('cancelled', 1_000);
    expect(ended.map((run) => run.id)).toContain(id);
  });
});
