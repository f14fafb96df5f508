/**
 * `POST /announcements` in process, on the embedded PostgreSQL and the in-memory transport
 * (what is tested is the API's batching and keys, not Redis): one job per customer, a batch
 * of them per `enqueueMany` call, and a retry with the same Idempotency-Key that enqueues
 * only what an interrupted request had not. The Redis path runs in e2e.test.ts.
 */
import { createClient, memoryTransport, type Transport, TransportError } from '@conveyor/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobKey } from '../src/api/announcements.js';
import { buildApi } from '../src/api/app.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { insertOrder, insertUser } from '../src/db/orders.js';
import { createPool } from '../src/db/pool.js';
import { migrate } from '../src/db/schema.js';
import { useClient } from '../src/producer.js';

const credentials = { username: 'staff', password: 'a long password' };
const authorization = `Basic ${Buffer.from('staff:a long password').toString('base64')}`;
const announcement = { subject: 'Winter teas are in', body: 'Twelve new teas, from today.' };

describe('POST /announcements', () => {
  let db: EmbeddedPostgres;
  let pool: ReturnType<typeof createPool>;
  let transport: Transport;
  /** Set to make the transport's next enqueue calls fail, from the given call on. */
  let failFromCall = Number.POSITIVE_INFINITY;
  let enqueueCalls = 0;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = await startEmbeddedPostgres();
    pool = createPool(db.url);
    await migrate(pool);
    // Seven customers: five users, and three who ordered (one of them also a user).
    for (const name of ['ada', 'alan', 'barbara', 'edsger', 'grace']) {
      await insertUser(pool, { id: `usr_${name}`, email: `${name}@example.com`, name });
    }
    for (const name of ['grace', 'ken', 'linus']) {
      await insertOrder(pool, {
        id: `ord_${name}`,
        email: `${name}@example.com`,
        name: `${name} (ordered)`,
        items: [{ sku: 'TEA-01', quantity: 1 }],
      });
    }
    const memory = memoryTransport();
    transport = new Proxy(memory, {
      get(target, key) {
        if (key !== 'enqueue') return Reflect.get(target, key);
        return (requests: Parameters<Transport['enqueue']>[0]) => {
          enqueueCalls += 1;
          if (enqueueCalls >= failFromCall) {
            return Promise.reject(new TransportError('Connection is closed.'));
          }
          return target.enqueue(requests);
        };
      },
    });
    const client = createClient({ transport });
    app = buildApi({
      db: pool,
      tasks: useClient(client),
      admin: { transport, credentials },
      announcementBatch: 3,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await transport?.close();
    await pool?.end();
    await db?.close();
  });

  const post = (body: unknown, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/announcements', payload: body as object, headers });
  const waitingEmails = async () => (await transport.admin?.queueCounts(['emails']))?.[0]?.waiting;

  it('asks for the staff credentials and an Idempotency-Key', async () => {
    const anonymous = await post(announcement, { 'idempotency-key': 'a' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const wrong = await post(announcement, {
      authorization: `Basic ${Buffer.from('staff:guess').toString('base64')}`,
      'idempotency-key': 'a',
    });
    expect(wrong.statusCode).toBe(401);
    const keyless = await post(announcement, { authorization });
    expect(keyless.statusCode).toBe(400);
    expect(keyless.json()).toMatchObject({ error: 'invalid_idempotency_key' });
    expect(keyless.json().message).toContain('emails nobody twice');
    const empty = await post(
      { subject: ' ', body: 'x' },
      { authorization, 'idempotency-key': 'a' },
    );
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({
      error: 'invalid_announcement',
      issues: [{ path: 'subject' }],
    });
    expect(await waitingEmails()).toBe(0);
  });

  it('enqueues one job per customer, a batch per call; a retry after a failed batch enqueues the rest only', async () => {
    const headers = { authorization, 'idempotency-key': 'winter-teas' };
    // The second enqueueMany call fails: the first batch of three is stored.
    enqueueCalls = 0;
    failFromCall = 2;
    const failed = await post(announcement, headers);
    expect(failed.statusCode).toBe(503);
    const stored = failed.json();
    expect(stored).toMatchObject({
      error: 'queue_unavailable',
      recipients: 3,
      enqueued: 3,
      batches: 1,
    });
    expect(stored.message).toContain(
      'Retry this request with the same Idempotency-Key ("winter-teas")',
    );
    expect(await waitingEmails()).toBe(3);

    failFromCall = Number.POSITIVE_INFINITY;
    const retried = await post(announcement, headers);
    expect(retried.statusCode).toBe(202);
    expect(retried.json()).toEqual({
      announcementId: stored.announcementId,
      recipients: 7,
      enqueued: 4,
      alreadyEnqueued: 3,
      batches: 3,
      skipped: 0,
      replayed: true,
    });
    // Seven customers, one job each: grace once, as a user, with her user name.
    const jobs =
      (await transport.admin?.listJobs('emails', { state: 'waiting', limit: 50 }))?.jobs ?? [];
    const inputs = jobs.map((job) => job.envelope.input as { email: string; name: string });
    expect(inputs.map((input) => input.email).sort()).toEqual(
      ['ada', 'alan', 'barbara', 'edsger', 'grace', 'ken', 'linus'].map(
        (name) => `${name}@example.com`,
      ),
    );
    expect(inputs.find((input) => input.email === 'grace@example.com')?.name).toBe('grace');
    expect(jobs.map((job) => job.envelope.idempotencyKey).sort()).toEqual(
      inputs.map((input) => jobKey(stored.announcementId, input.email)).sort(),
    );

    // Once more: nothing new. The same key with another text is refused.
    const again = await post(announcement, headers);
    expect(again.json()).toMatchObject({ enqueued: 0, alreadyEnqueued: 7 });
    const reused = await post({ ...announcement, body: 'Another text.' }, headers);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().message).toContain(stored.announcementId);
    expect(await waitingEmails()).toBe(7);

    // A day later its jobs' keys may be gone: sending it again could email everyone twice.
    await pool.query(
      `UPDATE shop.announcements SET created_at = now() - interval '24 hours' WHERE id = $1`,
      [stored.announcementId],
    );
    const late = await post(announcement, headers);
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: 'announcement_too_old' });
    expect(late.json().message).toContain('send a new Idempotency-Key to send it anew');
    expect(await waitingEmails()).toBe(7);
  });

  it('writes to an address once whatever its case, and leaves out a row the task would refuse', async () => {
    // Grace registered as grace@example.com and ordered as Grace@Example.com: two emails. A
    // row stored by other means with an address the task refuses failed the whole request.
    await insertOrder(pool, {
      id: 'ord_grace_again',
      email: 'Grace@Example.COM',
      name: 'Grace H.',
      items: [{ sku: 'TEA-01', quantity: 1 }],
    });
    await pool.query(
      `INSERT INTO shop.users (id, email, name) VALUES ('usr_legacy', 'not-an-address', 'Legacy')`,
    );
    const sent = await post(announcement, {
      authorization,
      'idempotency-key': 'case-and-bad-rows',
    });
    expect(sent.statusCode).toBe(202);
    const reply = sent.json();
    expect(reply).toMatchObject({ recipients: 7, enqueued: 7, alreadyEnqueued: 0, skipped: 1 });
    const jobs =
      (await transport.admin?.listJobs('emails', { state: 'waiting', limit: 100 }))?.jobs ?? [];
    const graces = jobs.filter((job) => {
      const input = job.envelope.input as { announcementId: string; email: string };
      return input.announcementId === reply.announcementId && /^grace@/i.test(input.email);
    });
    expect(graces.map((job) => job.envelope.input)).toEqual([
      { announcementId: reply.announcementId, email: 'grace@example.com', name: 'grace' },
    ]);
  });

  it('keys a job by the address, or by its hash where the key would be too long', () => {
    expect(jobKey('ann_1', 'ada@example.com')).toBe('ann_1:ada@example.com');
    const long = `${'a'.repeat(250)}@example.com`;
    const key = jobKey('ann_1', long);
    expect(key).toMatch(/^ann_1:sha256:[\w-]{43}$/);
    expect(jobKey('ann_1', long)).toBe(key);
    expect(jobKey('ann_1', `b${long}`)).not.toBe(key);
  });

  // Last: it leaves this address refused for a minute.
  it('refuses an address after 10 wrong passwords a minute, as /admin does, right ones too', async () => {
    const wrong = {
      authorization: `Basic ${Buffer.from('staff:guess').toString('base64')}`,
      'idempotency-key': 'a',
    };
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expect((await post(announcement, wrong)).statusCode).toBe(401);
    }
    const refused = await post(announcement, { authorization, 'idempotency-key': 'a' });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().message).toContain('Too many wrong user names or passwords');
  });
});
