// Values a request passes on that the transport refuses are the request's fault (400, with
// the transport's reason), and a refused value is quoted cut short, however long it was.

import { encodeMergeCursor } from '@conveyor/core/transport';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quote } from '../src/errors.js';
import { toDashboardError } from '../src/http/responses.js';
import { basic, enqueue, killAll, login, type Served, serve } from './helpers.js';

let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  served = await serve();
  client = await login(served);
  await enqueue(served.transport, { queue: 'bad-params' });
  await enqueue(served.transport, { queue: 'bad-params' });
  await killAll(served.transport, 'bad-params');
});
afterAll(() => served.close());

async function problem(path: string): Promise<{ status: number; code: string; message: string }> {
  const response = await client.get(path);
  const body = (await response.json()) as { error?: { code: string; message: string } };
  return {
    status: response.status,
    code: body.error?.code ?? '',
    message: body.error?.message ?? '',
  };
}

/** A cursor of `GET api/dead` (its `next`) that names a real queue and a cursor of its own. */
async function deadCursor(inner: string): Promise<string> {
  const queues = (await served.transport.admin?.listQueues()) ?? [];
  const entry = { queue: 'bad-params', shown: 0, from: { cursor: inner, at: 0 } };
  return encodeMergeCursor({ queues: [entry] }, queues);
}

describe('values the transport refuses', () => {
  test.each([
    [
      'a job list cursor it did not issue',
      '/api/queues/bad-params/jobs?state=waiting&cursor=garbage',
    ],
    [
      'a search cursor it did not issue',
      '/api/queues/bad-params/jobs?task=t&field=f&value=v&cursor=garbage',
    ],
    ['an audit id it does not know', '/api/audit?after=garbage'],
    [
      "a dead-letter page's inner cursor",
      async () => `/api/dead?cursor=${await deadCursor('garbage')}`,
    ],
  ])('%s is a 400 BAD_REQUEST with its reason, not a 500', async (_what, path) => {
    const { status, code, message } = await problem(typeof path === 'string' ? path : await path());
    expect({ status, code }).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect(message).toContain('garbage');
  });

  test('a task name longer than the transport takes is a 400', async () => {
    const { status, code } = await problem(
      `/api/queues/bad-params/jobs?state=waiting&task=${'t'.repeat(300)}`,
    );
    expect({ status, code }).toEqual({ status: 400, code: 'BAD_REQUEST' });
  });
});

describe('long values in error messages', () => {
  test('a refused 12,000-character parameter is quoted cut short, with its length', async () => {
    const long = 'a'.repeat(12_000);
    for (const path of [
      `/api/queues/bad-params/jobs?task=${long}`,
      `/api/queues/bad-params/jobs?cursor=${long}`,
      `/api/queues/bad-params/jobs?id=${long}`,
    ]) {
      const { status, message } = await problem(path);
      expect(status).toBe(400);
      expect(message.length).toBeLessThan(500);
      expect(message).toContain('(12,000 characters)');
    }
  });
});

describe('a broker that cannot be reached', () => {
  test('is 503 BROKER_UNAVAILABLE, not 500: the request may succeed once it is back', async () => {
    const down = Object.assign(new Error('[conveyor] [redis] list-queues failed (CONNECTION)'), {
      code: 'TRANSPORT_ERROR',
      failure: 'CONNECTION',
    });
    const error = toDashboardError(down);
    expect({ code: error.code, status: error.status }).toEqual({
      code: 'BROKER_UNAVAILABLE',
      status: 503,
    });
    expect(error.message).toContain('try again once it is back');
    const failover = toDashboardError(Object.assign(new Error('x'), { failure: 'CLUSTER' }));
    expect(failover.status).toBe(503);
    // Anything else the transport throws is still the server's fault.
    const script = toDashboardError(Object.assign(new Error('x'), { failure: 'SCRIPT' }));
    expect({ code: script.code, status: script.status }).toEqual({ code: 'INTERNAL', status: 500 });
  });
});

describe('malformed numbers and bodies', () => {
  test.each(['0x10', '0b101', '0o17', ' 16', '16 ', '1e1', '+16', '16.0'])(
    'limit=%j is 400, not read as a number',
    async (limit) => {
      const answer = await problem(
        `/api/queues/bad-params/jobs?limit=${encodeURIComponent(limit)}`,
      );
      expect(answer.status).toBe(400);
      expect(answer.code).toBe('BAD_REQUEST');
      expect(answer.message).toContain('limit');
    },
  );

  test('limit=16 is read', async () => {
    expect((await client.get('/api/queues/bad-params/jobs?limit=16')).status).toBe(200);
  });

  test.each([null, 'queue', 3, []])(
    'a preview body of %j is 400, not read as no filter',
    async (body) => {
      const response = await client.post('/api/dead/preview', body);
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe('BAD_REQUEST');
    },
  );

  test('a bulk action with filter: null is 400, not read as no filter', async () => {
    const response = await client.post('/api/dead/retry', { ids: ['x'], filter: null });
    expect(response.status).toBe(400);
  });
});

describe('a deeply nested body', () => {
  /** `{"queue":[[[…]]]}`, `depth` arrays deep, as raw JSON text. */
  const nested = (depth: number) => `{"queue":${'['.repeat(depth)}${']'.repeat(depth)}}`;

  test.each([1_000, 10_000, 100_000])(
    'a preview whose queue is %i arrays deep is 400, quoted cut short',
    async (depth) => {
      const response = await fetch(`${served.url}/api/dead/preview`, {
        method: 'POST',
        headers: {
          authorization: basic(),
          cookie: client.cookie,
          origin: served.origin,
          'content-type': 'application/json',
          'x-conveyor-csrf': client.csrf,
        },
        body: nested(depth),
      });
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect({ status: response.status, code: body.error.code }).toEqual({
        status: 400,
        code: 'BAD_REQUEST',
      });
      expect(body.error.message).toContain('[[[[');
      expect(body.error.message.length).toBeLessThan(500);
    },
  );

  test('quote() is bounded and never throws: cycles, getters that throw, bigints', () => {
    const cycle: Record<string, unknown> = { name: 'a' };
    cycle.self = cycle;
    expect(quote(cycle)).toMatch(/^\{"name":"a","self":\{"name":"a",.*…$/);
    expect(quote(cycle).length).toBeLessThanOrEqual(201);
    const trap = {
      ok: 1,
      get boom() {
        throw new Error('no');
      },
    };
    expect(quote(trap)).toBe('{"ok":1…');
    expect(quote(10n)).toBe('10');
    expect(quote(undefined)).toBe('undefined');
    expect(quote({ a: [1, 'x', null, undefined, Number.NaN], b: undefined })).toBe(
      '{"a":[1,"x",null,null,null]}',
    );
  });
});
