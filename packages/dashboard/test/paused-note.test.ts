// A retry, a schedule's Run now and a workflow's retry into a paused queue say so in their
// answer (`paused`, as the bulk retry's preview does): the job waits until it is resumed.

import { queueOfJobId } from '@conveyor/core/transport';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { enqueue, killAll, login, type Served, serve } from './helpers.js';
import { failure, startOrder } from './workflow-fixtures.js';

let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  served = await serve();
  client = await login(served);
});
afterAll(() => served.close());

const admin = () => served.transport.admin as NonNullable<Served['transport']['admin']>;

describe('an action that puts a job in a paused queue says it is paused', () => {
  test('retry of a dead job', async () => {
    const [paused, running] = [
      await enqueue(served.transport, { queue: 'probe' }),
      await enqueue(served.transport, { queue: 'free' }),
    ];
    await killAll(served.transport, 'probe');
    await killAll(served.transport, 'free');
    await admin().pauseQueue('probe');
    const into = await client.post(`/api/jobs/${encodeURIComponent(paused)}/retry`);
    expect(into.status).toBe(200);
    expect(await into.json()).toMatchObject({ job: { state: 'waiting' }, paused: ['probe'] });
    const other = await client.post(`/api/jobs/${encodeURIComponent(running)}/retry`);
    expect(await other.json()).toMatchObject({ job: { state: 'waiting' }, paused: [] });
  });

  test("a schedule's Run now", async () => {
    const schedules = served.transport.schedules;
    if (!schedules) throw new Error('the memory transport has schedules');
    await schedules.upsert([
      {
        id: 'nightly',
        queue: 'reports',
        task: 'shop.report',
        every: 60_000,
        tz: 'UTC',
        input: {},
        misfire: 'latest',
        overlap: 'allow',
        enabled: true,
        source: 'runtime',
        maxAttempts: 1,
        priority: 5,
      },
    ]);
    await enqueue(served.transport, { queue: 'reports' });
    await admin().pauseQueue('reports');
    const response = await client.post('/api/schedules/reports/nightly/run-now');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ paused: ['reports'] });
  });

  test("a workflow's retry", async () => {
    const { id, settle } = await startOrder(served.transport);
    await settle({ step: 'reserve' }, { ok: true, result: {} });
    await settle({ step: 'ship' }, failure('warehouse down'));
    for (const queue of await admin().listQueues()) await admin().pauseQueue(queue);
    const response = await client.post(`/api/workflows/${id}/retry`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { enqueuedJobs: string[]; paused: string[] };
    const queues = [...new Set(body.enqueuedJobs.map((job) => queueOfJobId(job)))].sort();
    expect(queues.length).toBeGreaterThan(0);
    expect(body.paused).toEqual(queues);
  });
});
