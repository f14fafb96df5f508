// POST api/jobs/<id>/retry of a job that is not dead: the 409 says what state it is in and
// what to do, which differs for a job that ended (it will never die) and one still running.

import type { Transport } from '@conveyor/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { enqueue, login, type Served, serve } from './helpers.js';

/** Reserves the one ready job of `queue` and ends it as told. */
async function end(transport: Transport, queue: string, how: 'complete' | 'failed'): Promise<void> {
  const [reserved] = await transport.reserve({
    queues: [queue],
    max: 1,
    leaseMs: 30_000,
    consumer: 'test',
  });
  if (!reserved) throw new Error(`no job in ${queue}`);
  const { id } = reserved.envelope;
  await transport.settle([
    how === 'complete'
      ? { type: 'complete', id, token: reserved.token, result: { ok: true } }
      : {
          type: 'fail',
          id,
          token: reserved.token,
          error: { name: 'Error', message: 'bad input' },
          deadLetter: false,
        },
  ]);
}

describe('retry of a job that is not dead', () => {
  let served: Served;
  let client: Awaited<ReturnType<typeof login>>;
  beforeAll(async () => {
    served = await serve();
    client = await login(served);
  });
  afterAll(async () => {
    await served?.close();
  });

  async function refusal(id: string): Promise<string> {
    const response = await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`);
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('CONFLICT');
    return body.error.message;
  }

  test('a completed job ended: it says so, and to enqueue it anew', async () => {
    const id = await enqueue(served.transport, { queue: 'done' });
    await end(served.transport, 'done', 'complete');
    const message = await refusal(id);
    expect(message).toContain('ended completed');
    expect(message).toContain('only dead jobs are retried');
    expect(message).toContain('enqueue it anew');
    expect(message).not.toMatch(/wait until it ends|if it dies/i);
  });

  test('a cancelled job ended too', async () => {
    const id = await enqueue(served.transport, { queue: 'gone' });
    await served.transport.cancel(id);
    const message = await refusal(id);
    expect(message).toContain('ended cancelled');
    expect(message).not.toMatch(/wait until it ends|if it dies/i);
  });

  test('a failed job: enqueue it again with a fixed input', async () => {
    const id = await enqueue(served.transport, { queue: 'refused' });
    await end(served.transport, 'refused', 'failed');
    expect(await refusal(id)).toMatch(/failed, not dead: .*enqueue it again with a fixed input/);
  });

  test('a waiting job has not ended: wait, and retry it if it dies', async () => {
    const id = await enqueue(served.transport, { queue: 'later' });
    expect(await refusal(id)).toMatch(/is waiting, not dead: .*if it dies, retry it then/);
  });
});
