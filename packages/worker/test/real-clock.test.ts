import { defineTask, memoryTransport, NonRetryableError, type Transport } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker, serveMetrics, type Worker } from '../src/index.js';
import { captureLogger } from './helpers.js';

const input = z.object({ mode: z.enum(['ok', 'fail', 'retry']) });

const task = defineTask({
  name: 't.mixed',
  input,
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 10, jitter: 0 } },
  async run({ mode }, ctx) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (mode === 'fail') throw new NonRetryableError('nope');
    if (mode === 'retry' && ctx.attempt === 1) throw new Error('once');
    return mode;
  },
});

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function enqueue(transport: Transport, modes: Array<'ok' | 'fail' | 'retry'>) {
  const envelopes = modes.map((mode) =>
    makeEnvelope('real', { task: 't.mixed', input: { mode }, maxAttempts: 2 }),
  );
  await transport.enqueue(envelopes.map((envelope) => ({ envelope })));
  return envelopes.map((envelope) => envelope.id);
}

function start(options: Partial<Parameters<typeof createWorker>[0]> = {}) {
  const transport = memoryTransport();
  const worker: Worker = createWorker({
    transport,
    tasks: [task],
    queues: ['real'],
    logger: captureLogger(),
    reserveWaitMs: 50,
    leaseMs: 5_000,
    ...options,
  });
  const running = worker.start();
  cleanup.push(async () => {
    await worker.stop({ graceMs: 0 });
    await running;
    await transport.close();
  });
  return { transport, worker, running };
}

describe('on the real clock', () => {
  it('runs a mixed batch to its final states', async () => {
    const { transport, worker } = start({ concurrency: 2 });
    const ids = await enqueue(transport, ['ok', 'fail', 'retry', 'ok']);
    await vi.waitFor(() => expect(worker.stats().totals.completed).toBe(3), { timeout: 15_000 });
    const states = await Promise.all(ids.map(async (id) => (await transport.getJob(id))?.state));
    expect(states).toEqual(['completed', 'failed', 'completed', 'completed']);
    expect(worker.stats().totals).toMatchObject({ completed: 3, failed: 1, retried: 1 });
  });

  it('serves /healthz and /metrics over HTTP with the counters', async () => {
    const { transport, worker } = start({ metrics: { port: 0, host: '127.0.0.1' } });
    await vi.waitFor(() => expect(worker.metricsUrl()).toBeDefined(), { timeout: 15_000 });
    const url = worker.metricsUrl() as string;
    await enqueue(transport, ['ok', 'ok', 'fail', 'retry']);
    await vi.waitFor(() => expect(worker.stats().totals.completed).toBe(3), { timeout: 15_000 });

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', worker: worker.id, inFlight: 0 });

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const body = await metrics.text();
    expect(body).toContain('conveyor_jobs_completed_total{task="t.mixed"} 3');
    expect(body).toContain('conveyor_jobs_failed_total{task="t.mixed"} 1');
    expect(body).toContain('conveyor_jobs_retried_total{task="t.mixed"} 1');
    expect(body).toContain(
      'conveyor_job_duration_seconds_count{task="t.mixed",outcome="completed"} 3',
    );
    expect(body).toMatch(/^conveyor_jobs_in_flight 0$/m);

    expect((await fetch(`${url}/nope`)).status).toBe(404);

    await worker.stop();
    expect(worker.metricsUrl()).toBeUndefined();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('answers 503 on /healthz once the worker is no longer running', async () => {
    const server = await serveMetrics(
      {
        stats: () => ({ id: 'w1', state: 'stopping', running: 1, inFlight: 1 }),
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
      },
      { port: 0, host: '127.0.0.1' },
    );
    cleanup.push(() => server.close());
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'stopping', worker: 'w1' });
  });
});
