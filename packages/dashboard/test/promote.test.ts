// Run now of delayed jobs [A14]: POST api/jobs/<id>/promote (one job, from its page) and
// POST api/queues/<q>/promote (the Delayed list's Run all now). Each is audited as `promote`.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { enqueue, killAll, login, type Served, serve } from './helpers.js';

let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  served = await serve();
  client = await login(served);
});
afterAll(() => served.close());

const admin = () => served.transport.admin as NonNullable<Served['transport']['admin']>;
const HOUR = 3_600_000;
const promote = (id: string) => client.post(`/api/jobs/${encodeURIComponent(id)}/promote`);
const stateOf = async (id: string) => (await served.transport.getJob(id))?.state;

async function refusal(response: Response, status: number) {
  expect(response.status).toBe(status);
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

describe('POST /api/jobs/<id>/promote', () => {
  test('a delayed job becomes waiting now, and the audit names the job and who did it', async () => {
    const id = await enqueue(served.transport, { queue: 'later', delayMs: HOUR });
    expect(await stateOf(id)).toBe('delayed');
    const response = await promote(id);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      job: expect.objectContaining({ id, state: 'waiting' }),
      paused: [],
    });
    expect(await stateOf(id)).toBe('waiting');
    const { audit } = await (await client.get(`/api/jobs/${encodeURIComponent(id)}`)).json();
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'ops',
        action: 'job.promote',
        jobId: id,
        queue: 'later',
        detail: { promoted: 1, wasDue: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      }),
    ]);
  });

  test('a waiting job is a 409 that says it is waiting, and nothing is audited', async () => {
    const id = await enqueue(served.transport, { queue: 'ready' });
    const error = await refusal(await promote(id), 409);
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`Job "${id}" is waiting, not delayed`);
    expect(error.message).toContain('runs as soon as a worker is free');
    const { entries } = await (
      await client.get(`/api/audit?jobId=${encodeURIComponent(id)}`)
    ).json();
    expect(entries).toEqual([]);
  });

  test('a dead job is a 409 that points to Retry', async () => {
    const id = await enqueue(served.transport, { queue: 'died' });
    await killAll(served.transport, 'died');
    const error = await refusal(await promote(id), 409);
    expect(error.message).toMatch(/is dead, not delayed: .*Retry it instead/);
  });

  test('an unknown id is a 404', async () => {
    const error = await refusal(await promote('later:no-such-job'), 404);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('"later:no-such-job"');
  });

  test('into a paused queue: the answer says it is paused', async () => {
    const id = await enqueue(served.transport, { queue: 'held', delayMs: HOUR });
    await admin().pauseQueue('held');
    const response = await promote(id);
    expect(await response.json()).toMatchObject({ job: { state: 'waiting' }, paused: ['held'] });
  });

  test('without the CSRF token it is refused, and the job stays delayed', async () => {
    const id = await enqueue(served.transport, { queue: 'later', delayMs: HOUR });
    const response = await client.post(`/api/jobs/${encodeURIComponent(id)}/promote`, undefined, {
      'x-conveyor-csrf': 'wrong',
    });
    expect((await refusal(response, 403)).code).toBe('CSRF');
    expect(await stateOf(id)).toBe('delayed');
  });
});

describe('POST /api/queues/<q>/promote', () => {
  test("every delayed job of the queue, none of another's; audited with the count", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await enqueue(served.transport, { queue: 'bulk', delayMs: HOUR + i }));
    }
    const waiting = await enqueue(served.transport, { queue: 'bulk' });
    const other = await enqueue(served.transport, { queue: 'bulk-other', delayMs: HOUR });
    const response = await client.post('/api/queues/bulk/promote');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ queue: 'bulk', promoted: 3, paused: [] });
    for (const id of [...ids, waiting]) expect(await stateOf(id)).toBe('waiting');
    expect(await stateOf(other)).toBe('delayed');
    const { entries } = await (await client.get('/api/audit?order=newest&limit=1')).json();
    expect(entries[0]).toMatchObject({
      actor: 'ops',
      action: 'queue.promote',
      queue: 'bulk',
      jobIdCount: 3,
      detail: { promoted: 3, all: true },
    });
    expect([...entries[0].jobIds].sort()).toEqual([...ids].sort());
    // Each job's page lists the bulk entry too.
    const { audit } = await (
      await client.get(`/api/jobs/${encodeURIComponent(ids[0] as string)}`)
    ).json();
    expect(audit.map((entry: { action: string }) => entry.action)).toEqual(['queue.promote']);
    // Again: nothing is delayed any more.
    expect(await (await client.post('/api/queues/bulk/promote')).json()).toMatchObject({
      promoted: 0,
    });
  });

  test('a partitioned queue: all its partitions; a partition: that one only', async () => {
    const first = await enqueue(served.transport, { queue: 'parts~0of2', delayMs: HOUR });
    const second = await enqueue(served.transport, { queue: 'parts~1of2', delayMs: HOUR });
    const third = await enqueue(served.transport, { queue: 'parts~1of2', delayMs: HOUR });
    const one = await client.post(`/api/queues/${encodeURIComponent('parts~0of2')}/promote`);
    expect(await one.json()).toMatchObject({ queue: 'parts~0of2', promoted: 1 });
    expect(await stateOf(second)).toBe('delayed');
    await admin().pauseQueue('parts~1of2');
    const all = await client.post('/api/queues/parts/promote');
    expect(await all.json()).toEqual({ queue: 'parts', promoted: 2, paused: ['parts~1of2'] });
    for (const id of [first, second, third]) expect(await stateOf(id)).toBe('waiting');
    const { entries } = await (await client.get('/api/audit?order=newest&limit=1')).json();
    expect(entries[0]).toMatchObject({
      queue: 'parts',
      jobIdCount: 2,
      detail: { promoted: 2, all: true, queues: ['parts~1of2'] },
    });
  });

  test('a queue nobody has used is a 404 that quotes its name', async () => {
    const error = await refusal(await client.post('/api/queues/nope-typo/promote'), 404);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('"nope-typo"');
  });
});

describe('read-only', () => {
  test('refuses both (405), and the jobs stay delayed', async () => {
    const readOnly = await serve({ readOnly: true });
    try {
      const id = await enqueue(readOnly.transport, { queue: 'later', delayMs: HOUR });
      const reader = await login(readOnly);
      for (const path of [
        `/api/jobs/${encodeURIComponent(id)}/promote`,
        '/api/queues/later/promote',
      ]) {
        const response = await reader.post(path);
        expect(response.status, path).toBe(405);
        expect((await response.json()).error.message).toContain('read-only');
      }
      expect((await readOnly.transport.getJob(id))?.state).toBe('delayed');
    } finally {
      await readOnly.close();
    }
  });
});
