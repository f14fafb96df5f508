// GET api/audit?order=newest: the audit page's read, newest first, paged with `before`, over
// both transports (Redis on a private redis-server): the whole log, one listAudit a page, and
// its 400s.

import { type AuditEntry, memoryTransport, silentLogger, type Transport } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { login, type Served, serve } from './helpers.js';

interface Page {
  entries: AuditEntry[];
  next: string | null;
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const transports: Array<[string, () => Transport]> = [
  ['memory', () => memoryTransport()],
  [
    'redis',
    () => redisTransport({ url: redis.url, prefix: `audit${Math.random()}`, logger: silentLogger }),
  ],
];

describe.each(transports)('GET api/audit?order=newest over %s', (_name, makeTransport) => {
  let served: Served;
  let client: Awaited<ReturnType<typeof login>>;
  let transport: Transport;

  beforeAll(async () => {
    transport = makeTransport();
    served = await serve({ transport });
    client = await login(served);
  });
  afterAll(async () => {
    await served?.close();
    await transport?.close();
  });

  async function append(count: number, entry: { jobId?: string } = {}): Promise<string[]> {
    const ids: string[] = [];
    const admin = transport.admin as NonNullable<Transport['admin']>;
    for (let i = 0; i < count; i++) {
      const written = await admin.appendAudit({
        actor: 'ops',
        action: 'job.retry',
        detail: { n: i },
        ...entry,
      });
      ids.push(written.id);
    }
    return ids;
  }

  async function page(query: string): Promise<Page> {
    const response = await client.get(`/api/audit?order=newest&${query}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as Page;
  }

  test('pages the whole log newest first, each page following the last one', async () => {
    const written = await append(120);
    const newestFirst = [...written].reverse();
    const first = await page('limit=50');
    expect(first.entries.map((e) => e.id)).toEqual(newestFirst.slice(0, 50));
    expect(first.next).toBe(newestFirst[49]);
    // Entries written meanwhile do not move the next page: it is anchored on an id.
    await append(3);
    const second = await page(`limit=50&before=${first.next}`);
    expect(second.entries.map((e) => e.id)).toEqual(newestFirst.slice(50, 100));
    const third = await page(`limit=50&before=${second.next}`);
    expect(third.entries.map((e) => e.id)).toEqual(newestFirst.slice(100));
    expect(third.next).toBeNull();
    expect(third).not.toHaveProperty('truncated');
    // The default page is 50.
    expect((await page('')).entries).toHaveLength(50);
  });

  test("filters by job id: that job's entries only, newest first", async () => {
    const job = `emails:${Math.random()}`;
    const mine = await append(4, { jobId: job });
    await append(2, { jobId: 'emails:other' });
    const body = await page(`jobId=${encodeURIComponent(job)}&limit=3`);
    expect(body.entries.map((e) => e.id)).toEqual([...mine].reverse().slice(0, 3));
    expect(body.entries.every((e) => e.jobId === job)).toBe(true);
    const rest = await page(`jobId=${encodeURIComponent(job)}&limit=3&before=${body.next}`);
    expect(rest.entries.map((e) => e.id)).toEqual([mine[0]]);
    expect(rest.next).toBeNull();
  });

  test('answers 400 BAD_REQUEST to a bad order, limit, before, or after with order=newest', async () => {
    const [id] = await append(1);
    for (const query of [
      'order=sideways',
      'order=newest&limit=0',
      'order=newest&limit=201',
      'order=newest&limit=ten',
      `order=newest&after=${id}`,
      `order=oldest&before=${id}`,
      `order=newest&before=${'x'.repeat(201)}`,
      // Not an id of this log: the transport refuses it.
      'order=newest&before=not-an-id',
    ]) {
      const response = await client.get(`/api/audit?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code, query).toBe(
        'BAD_REQUEST',
      );
    }
  });
});

describe.each(transports)(
  'GET api/audit?order=newest over %s reaches the whole log',
  (_name, makeTransport) => {
    test('past 1,000 entries back, one listAudit a page', async () => {
      const transport = makeTransport();
      const served = await serve({ transport });
      try {
        const client = await login(served);
        const admin = transport.admin as NonNullable<Transport['admin']>;
        const written: string[] = [];
        for (let i = 0; i < 1_030; i++) {
          written.push((await admin.appendAudit({ actor: 'ops', action: 'dead.purge' })).id);
        }
        const listAudit = vi.spyOn(admin, 'listAudit');
        const seen: string[] = [];
        let before: string | null = null;
        let pages = 0;
        do {
          const query: string = before === null ? '' : `&before=${before}`;
          const response = await client.get(`/api/audit?order=newest&limit=200${query}`);
          expect(response.status).toBe(200);
          const page = (await response.json()) as Page;
          seen.push(...page.entries.map((e) => e.id));
          before = page.next;
          pages++;
        } while (before !== null && pages < 10);
        expect(seen).toEqual([...written].reverse());
        expect(pages).toBe(6);
        expect(listAudit).toHaveBeenCalledTimes(6);
        for (const [options] of listAudit.mock.calls) expect(options?.limit).toBe(201);
        // The oldest entries are a page of their own, reached by their neighbour's id too.
        const far = await client.get(`/api/audit?order=newest&limit=3&before=${written[5]}`);
        expect(((await far.json()) as Page).entries.map((e) => e.id)).toEqual(
          written.slice(2, 5).reverse(),
        );
      } finally {
        await served.close();
        await transport.close();
      }
    });
  },
);
