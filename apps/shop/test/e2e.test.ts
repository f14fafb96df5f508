/**
 * The shop end to end, as the demo runs it: a private redis-server, the real SMTP
 * mailbox, the warehouse over HTTP (failing every 3rd request), the API (each order a run
 * of the workflow shop.placeOrder) and two `conveyor worker` processes, once on embedded PGlite and once on the local
 * PostgreSQL server (in a database created for the run and dropped after).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindWorkflow, createClient, type JobRecord, type WorkflowView } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { findFreePort, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { findOrder, findOrders } from '../src/db/orders.js';
import { demoUser, PRODUCTS } from '../src/demo/scenario.js';
import { placeOrderContract } from '../src/generated/client.js';
import type { ReceivedMail } from '../src/mail/mailbox.js';
import { mailOfOrder } from '../src/mail/order-mail.js';
import { shopTasks, useClient } from '../src/producer.js';
import { announcementMail, runAnnouncement } from '../src/stack/announce.js';
import {
  customerMail,
  type OrderRun,
  type OrderStatusBody,
  type PlacedOrder,
  placeOrders,
  readSystems,
  registerUser,
  runLowStockReport,
  stepsOf,
  waitForJobs,
  waitForOrders,
} from '../src/stack/flow.js';
import { getJson, postJson } from '../src/stack/http.js';
import { type Stack, startStack } from '../src/stack/stack.js';
import { connectWhenReady, POSTGRES_ADMIN_URL } from './postgres-server.js';

/**
 * The set-up's bound: above the sum of the bounded waits in it (Redis 60 s, the PostgreSQL
 * server 180 s, the stack's two stages 180 s each), so that a wait that hangs fails with
 * its own message and startStack stops what it started, before the hook is abandoned.
 */
const SET_UP_MS = 720_000;

const ORDERS = [
  {
    email: 'ada@example.com',
    name: 'Ada',
    items: [
      { sku: 'TEA-01', quantity: 2 },
      { sku: 'MUG-07', quantity: 1 },
    ],
  },
  { email: 'grace@example.com', name: 'Grace', items: [{ sku: 'POT-02', quantity: 2 }] },
  { email: 'alan@example.com', name: 'Alan', items: [{ sku: 'TEA-01', quantity: 5 }] },
  // Five teapots of three (two taken by Grace, or not yet): never enough.
  { email: 'edsger@example.com', name: 'Edsger', items: [{ sku: 'POT-02', quantity: 5 }] },
  { email: 'barbara@example.com', name: 'Barbara', items: [{ sku: 'MUG-07', quantity: 3 }] },
];

describe.each([
  { database: 'pglite' as const, failMode: 'reject' as const },
  { database: 'postgres' as const, failMode: 'after-commit' as const },
])('the shop on $database, warehouse failures: $failMode', ({ database, failMode }) => {
  let stack: Stack;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    let databaseUrl: string | undefined;
    if (database === 'postgres') {
      const name = `conveyor_shop_e2e_${randomBytes(4).toString('hex')}`;
      const admin = await connectWhenReady(POSTGRES_ADMIN_URL, `create the database ${name}`);
      await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
      cleanups.push(async () => {
        const dropper = await connectWhenReady(POSTGRES_ADMIN_URL, `drop the database ${name}`);
        await dropper
          .query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
          .finally(() => dropper.end());
      });
      const url = new URL(POSTGRES_ADMIN_URL);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
    }
    const logDir = await mkdtemp(join(tmpdir(), `conveyor-shop-e2e-${database}-`));
    cleanups.push(() => rm(logDir, { recursive: true, force: true }));
    stack = await startStack({
      broker: { mode: 'private-redis', url: redis.url, prefix: 'shop-e2e', stop: async () => {} },
      databaseUrl,
      products: PRODUCTS,
      warehouse: { failEvery: 3, failMode },
      logDir,
    });
    cleanups.push(() => stack.stop());
  }, SET_UP_MS);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('answers 400 with the validation issues, and 404 for an unknown order', async () => {
    const badOrder = await postJson<{ error: string; issues: Array<{ path: string }> }>(
      `${stack.apiUrl}/orders`,
      { email: 'not-an-email', name: 'X', items: [{ sku: 'TEA-01', quantity: 0 }] },
    );
    expect(badOrder.status).toBe(400);
    expect(badOrder.body.error).toBe('invalid_order');
    expect(badOrder.body.issues.map((issue) => issue.path).sort()).toEqual([
      'email',
      'items.0.quantity',
    ]);

    const noItems = await postJson<{ issues: Array<{ path: string }> }>(`${stack.apiUrl}/orders`, {
      email: 'a@example.com',
      name: 'A',
      items: [],
    });
    expect(noItems.status).toBe(400);
    expect(noItems.body.issues.map((issue) => issue.path)).toEqual(['items']);

    const malformed = await fetch(`${stack.apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(malformed.status).toBe(400);

    const badUser = await postJson<{ issues: Array<{ path: string }> }>(`${stack.apiUrl}/users`, {
      email: 'ada@example.com',
    });
    expect(badUser.status).toBe(400);
    expect(badUser.body.issues.map((issue) => issue.path)).toEqual(['name']);

    // A SKU no product has: refused at once, not accepted and then rejected by email.
    const unknownSku = await postJson<{ error: string; message: string; issues: unknown[] }>(
      `${stack.apiUrl}/orders`,
      {
        email: 'nobody@example.com',
        name: 'Nobody',
        items: [
          { sku: 'TEA-01', quantity: 1 },
          { sku: 'NOPE-99', quantity: 1 },
        ],
      },
    );
    expect(unknownSku.status).toBe(422);
    expect(unknownSku.body).toEqual({
      error: 'unknown_sku',
      message: 'Unknown SKU "NOPE-99": no such product (GET /products lists them).',
      issues: [{ path: 'items.1.sku', message: 'Unknown SKU "NOPE-99"' }],
    });
    const stored = await stack.db.query('SELECT id FROM shop.orders WHERE email = $1', [
      'nobody@example.com',
    ]);
    expect(stored.rows).toEqual([]);

    expect((await fetch(`${stack.apiUrl}/orders/not-an-id`)).status).toBe(400);
    expect((await fetch(`${stack.apiUrl}/orders/ord_000000000000`)).status).toBe(404);
    // Nothing was enqueued and nothing was sent for any of them.
    const { messages } = await getJson<{ messages: ReceivedMail[] }>(
      `${stack.mailboxUrl}/messages`,
    );
    expect(customerMail(messages)).toEqual([]);
  });

  it('runs each order as a workflow: the refused order is rejected and emailed, never shipped nor confirmed; the others ship once and are confirmed, through failures and duplicate jobs', async () => {
    const user = await registerUser(stack, { email: 'margaret@example.com', name: 'Margaret' });
    const orders = await placeOrders(stack, ORDERS);
    const edsger = orders[3] as PlacedOrder;
    const fulfilled = orders.filter((order) => order !== edsger);
    const stubs = useClient(stack.client);

    // Starting an order's workflow again under its idempotency key returns the same run.
    for (const [index, order] of orders.entries()) {
      const { name, items } = ORDERS[index] ?? { name: '', items: [] };
      const again = await stubs.placeOrder.delay(
        { orderId: order.orderId, email: order.email, name, items },
        { idempotencyKey: order.orderId },
      );
      expect({ id: again.id, duplicate: again.duplicate }).toEqual({
        id: order.workflowId,
        duplicate: true,
      });
    }
    // Each order's stock update enqueued a second time, as by a careless producer, and the
    // shipment too for the orders that fit in stock (a shipment job ships whatever it is told).
    const duplicates: string[] = [];
    for (const [index, order] of orders.entries()) {
      const { items } = ORDERS[index] ?? { items: [] };
      duplicates.push((await stubs.updateInventory.delay({ orderId: order.orderId, items })).id);
      if (order === edsger) continue;
      duplicates.push(
        (await stubs.notifyWarehouse.delay({ orderId: order.orderId, email: order.email, items }))
          .id,
      );
    }

    // Waits on the runs' and the jobs' finish notifications: they end when all are final.
    const runs = await waitForOrders(stack.client, orders, 150_000);
    const stepJobs = runs.flatMap((run) => [...run.jobs.values()].map((record) => record.id));
    const records = await waitForJobs(
      stack.client,
      [user.jobId, ...stepJobs, ...duplicates],
      150_000,
    );
    const systems = await readSystems(stack);
    const rows = await findOrders(
      stack.db,
      orders.map((order) => order.orderId),
    );
    const runOf = (order: PlacedOrder) => runs.find((run) => run.order === order) as OrderRun;
    const shipmentsOf = (order: PlacedOrder) =>
      systems.shipments.filter((shipment) => shipment.orderId === order.orderId);

    // The order's final status, in the database, and its workflow's.
    const reason = /^Insufficient stock for POT-02: 5 ordered, [13] left \(order ord_[0-9a-f]+\)$/;
    for (const [index, order] of orders.entries()) {
      const row = rows[index];
      const run = runOf(order).run;
      const states = Object.fromEntries(stepsOf(run).map((step) => [step.name, step.state]));
      if (order === edsger) {
        expect(row).toMatchObject({ status: 'rejected', shipmentId: null });
        expect(row?.reason).toMatch(reason);
        expect(run.status).toBe('compensated');
        expect(run.failure?.step).toBe('reserve');
        expect(states).toEqual({
          reserve: 'failed',
          ship: 'cancelled',
          confirm: 'cancelled',
          fulfil: 'cancelled',
          reject: 'completed',
        });
      } else {
        expect(row).toMatchObject({ status: 'fulfilled', reason: null });
        expect(row?.shipmentId).toBe(shipmentsOf(order)[0]?.id);
        expect(run.status).toBe('completed');
        expect(states).toEqual({
          reserve: 'completed',
          ship: 'completed',
          confirm: 'completed',
          fulfil: 'completed',
          // Never needed, and the run has ended.
          reject: 'skipped',
        });
      }
      expect(row?.workflowId).toBe(order.workflowId);
      expect(row?.settledAt).not.toBeNull();
    }

    // The refused order's stock update failed at once, with the reason the order carries.
    const refused = runOf(edsger).jobs.get('reserve') as JobRecord;
    expect(refused.state).toBe('failed');
    expect(refused.attempts).toBe(1);
    expect(refused.error?.message).toBe(rows[3]?.reason);
    // Its compensation ran once and sent the email.
    expect(runOf(edsger).jobs.get('reject')?.result).toMatchObject({
      status: 'rejected',
      mailed: true,
    });
    expect([...runOf(edsger).jobs.keys()].sort()).toEqual(['reject', 'reserve']);

    // Emails: a confirmation for each order that shipped, an out-of-stock notice for the
    // refused one instead, and the welcome email.
    expect(systems.mail).toHaveLength(ORDERS.length + 1);
    for (const order of fulfilled) {
      const { confirmations, outOfStock } = mailOfOrder(systems.mail, order.orderId);
      expect(outOfStock).toEqual([]);
      expect(confirmations).toHaveLength(1);
      expect(confirmations[0]?.to).toEqual([order.email]);
      expect(confirmations[0]?.subject).toBe(`Order ${order.orderId} confirmed`);
      expect(confirmations[0]?.text).toContain(order.orderId);
    }
    const refusedMail = mailOfOrder(systems.mail, edsger.orderId);
    expect(refusedMail.confirmations).toEqual([]);
    expect(refusedMail.outOfStock).toHaveLength(1);
    expect(refusedMail.outOfStock[0]?.to).toEqual(['edsger@example.com']);
    expect(refusedMail.outOfStock[0]?.subject).toBe(`Order ${edsger.orderId} is out of stock`);
    expect(refusedMail.outOfStock[0]?.text).toContain(`Reason: ${rows[3]?.reason}`);
    const welcome = systems.mail.find((message) => message.to.includes('margaret@example.com'));
    expect(welcome?.subject).toBe('Welcome to the Conveyor shop, Margaret!');

    // Stock: every order but Edsger's taken exactly once, despite the duplicate jobs.
    expect(systems.stock.map(({ sku, stock }) => [sku, stock])).toEqual([
      ['MUG-07', 12 - 1 - 3],
      ['POT-02', 3 - 2],
      ['TEA-01', 40 - 2 - 5],
    ]);
    const processed = await stack.db.query<{ order_id: string }>(
      'SELECT order_id FROM shop.processed_orders ORDER BY order_id',
    );
    expect(processed.rows.map((row) => row.order_id)).toEqual(
      fulfilled.map((order) => order.orderId).sort(),
    );
    // For each order that fits, one of its two stock updates (the step or the duplicate)
    // took the stock, and the other found it taken.
    const stockJobs = [...records.values()].filter(
      (record) => record.envelope.task === 'shop.updateInventory' && record.state === 'completed',
    );
    for (const order of fulfilled) {
      const applied = stockJobs
        .map((record) => record.result as { orderId: string; applied: boolean })
        .filter((result) => result.orderId === order.orderId)
        .map((result) => result.applied)
        .sort();
      expect(applied).toEqual([false, true]);
    }

    // Shipments: exactly one per order that fits, none for the refused one, although the
    // warehouse failed every 3rd request and each shipment was asked for twice.
    expect(systems.shipments).toHaveLength(fulfilled.length);
    for (const order of fulfilled) expect(shipmentsOf(order)).toHaveLength(1);
    expect(shipmentsOf(edsger)).toEqual([]);
    expect(systems.warehouseRequests.some((request) => request.orderId === edsger.orderId)).toBe(
      false,
    );
    const injected = systems.warehouseRequests.filter((request) => request.status === 503);
    expect(injected.length).toBeGreaterThan(0);
    expect(
      injected.every(
        (request) =>
          request.outcome === (failMode === 'reject' ? 'injected-503' : 'lost-response-503'),
      ),
    ).toBe(true);
    const shippingJobs = [...records.values()].filter(
      (record) => record.envelope.task === 'shop.notifyWarehouse',
    );
    expect(shippingJobs).toHaveLength(2 * fulfilled.length);
    expect(shippingJobs.every((record) => record.state === 'completed')).toBe(true);
    // Each injected 503 cost one shipping job one extra attempt.
    const extraAttempts = shippingJobs.reduce((sum, record) => sum + record.attempts - 1, 0);
    expect(extraAttempts).toBe(injected.length);

    // GET /orders/:id: the order's status and its workflow's steps.
    const status = await getJson<OrderStatusBody>(`${stack.apiUrl}/orders/${edsger.orderId}`);
    expect(status.order).toMatchObject({ id: edsger.orderId, status: 'rejected' });
    expect(status.order.reason).toMatch(reason);
    expect(status.workflow).toMatchObject({ id: edsger.workflowId, status: 'compensated' });
    const steps = stepsOf(status.workflow as WorkflowView);
    expect(steps.map(({ name, task, state }) => ({ name, task, state }))).toEqual([
      { name: 'reserve', task: 'shop.updateInventory', state: 'failed' },
      { name: 'ship', task: 'shop.notifyWarehouse', state: 'cancelled' },
      { name: 'confirm', task: 'shop.sendOrderConfirmation', state: 'cancelled' },
      { name: 'fulfil', task: 'shop.markOrderFulfilled', state: 'cancelled' },
      { name: 'reject', task: 'shop.rejectOrder', state: 'completed' },
    ]);
    expect(steps[0]).toMatchObject({ jobId: refused.id, attempts: { attempts: 1 } });
    expect(steps[0]?.error?.message).toMatch(reason);

    const ada = orders[0] as PlacedOrder;
    const shipped = await getJson<OrderStatusBody>(`${stack.apiUrl}/orders/${ada.orderId}`);
    expect(shipped.order).toMatchObject({
      status: 'fulfilled',
      shipmentId: shipmentsOf(ada)[0]?.id,
    });
    expect(shipped.workflow?.status).toBe('completed');
    expect(
      stepsOf(shipped.workflow as WorkflowView).map((step) => [step.name, step.state]),
    ).toEqual([
      ['reserve', 'completed'],
      ['ship', 'completed'],
      ['confirm', 'completed'],
      ['fulfil', 'completed'],
      ['reject', 'skipped'],
    ]);
  });

  it('runs the daily low-stock report on demand: the stock at or below 5, emailed', async () => {
    // After the orders above: POT-02 is down to 1, MUG-07 at 8, TEA-01 at 33.
    const run = await runLowStockReport(stack, 60_000);
    // Both `conveyor worker` processes found the schedule in the registry and stored it.
    expect(run.schedule).toMatchObject({
      queue: 'emails',
      cron: '0 7 * * *',
      tz: 'Europe/Berlin',
      source: 'code',
      orphaned: false,
    });
    expect(run.record.state).toBe('completed');
    expect(run.record.result).toMatchObject({
      products: [{ sku: 'POT-02', name: 'Cast-iron teapot', stock: 1 }],
    });
    expect(run.mail?.to).toEqual(['stock@shop.conveyor.local']);
    expect(run.mail?.subject).toBe('Low stock: 1 product at or below 5');
    expect(run.mail?.text).toMatch(/^ {2}POT-02 +1 {2}Cast-iron teapot$/m);
    expect(run.mail?.text).not.toMatch(/MUG-07|TEA-01/);
  });
  it('places an order once per Idempotency-Key: a retry answers the same order, and one whose workflow could not start is started by the retry', async () => {
    const body = {
      email: 'ken@example.com',
      name: 'Ken',
      items: [{ sku: 'TEA-01', quantity: 1 }],
    };
    const key = { 'idempotency-key': `retry-${randomBytes(4).toString('hex')}` };
    type Placed = PlacedOrder & { replayed?: boolean; error?: string; message?: string };
    const post = (url: string, order: unknown, headers: Record<string, string>) =>
      postJson<Placed>(`${url}/orders`, order, headers);

    // Sent twice at once, then again: one order, one run; the replays say so.
    const answers: Array<Awaited<ReturnType<typeof post>>> = await Promise.all([
      post(stack.apiUrl, body, key),
      post(stack.apiUrl, body, key),
    ]);
    answers.push(await post(stack.apiUrl, body, key));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    const first = answers[0]?.body as Placed;
    for (const answer of answers) {
      expect(answer.body).toMatchObject({ orderId: first.orderId, workflowId: first.workflowId });
    }
    expect(answers.filter((answer) => answer.body.replayed === true)).toHaveLength(2);
    expect(answers[2]?.headers.get('idempotent-replayed')).toBe('true');
    // The same key with another body is a client bug, not the same order.
    const reused = await post(stack.apiUrl, { ...body, name: 'Kenneth' }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.error).toBe('idempotency_key_reused');
    expect(reused.body.message).toContain(first.orderId);

    // An API whose Redis is down stores the order but cannot start its workflow: 503.
    const deadClient = createClient({
      transport: redisTransport({ url: `redis://127.0.0.1:${await findFreePort()}` }),
    });
    const deadApi = buildApi({
      db: stack.db,
      tasks: { ...shopTasks, placeOrder: bindWorkflow(() => deadClient, placeOrderContract) },
    });
    const deadUrl = await deadApi.listen({ port: 0, host: '127.0.0.1' });
    const stranded = { ...body, email: 'dennis@example.com', name: 'Dennis' };
    const strandedKey = { 'idempotency-key': `retry-${randomBytes(4).toString('hex')}` };
    const keyless = { ...body, email: 'bjarne@example.com', name: 'Bjarne' };
    const [refused, refusedKeyless] = await Promise.all([
      post(deadUrl, stranded, strandedKey),
      post(deadUrl, keyless, {}),
    ]).finally(async () => {
      await deadApi.close();
      await deadClient.close();
    });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('queue_unavailable');
    expect(refused.body.message).toContain(
      `Retry this request with the same Idempotency-Key (${JSON.stringify(strandedKey['idempotency-key'])})`,
    );
    expect(await findOrder(stack.db, refused.body.orderId)).toMatchObject({
      status: 'pending',
      workflowId: null,
    });
    // Without a key no retry can find the order: it is withdrawn, not left pending.
    expect(refusedKeyless.status).toBe(503);
    expect(refusedKeyless.body.message).toContain('was not placed');
    expect(await findOrder(stack.db, refusedKeyless.body.orderId)).toMatchObject({
      status: 'rejected',
      workflowId: null,
      reason: 'Not placed: the task queue was unavailable, so its workflow never started',
    });

    // The client retries with the same key, on an API whose Redis is up: the stored order starts.
    const retried = await post(stack.apiUrl, stranded, strandedKey);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ orderId: refused.body.orderId, replayed: true });

    const orders = [first, retried.body];
    const runs = await waitForOrders(stack.client, orders, 150_000);
    expect(runs.map((run) => run.run.status)).toEqual(['completed', 'completed']);
    const rows = await stack.db.query<{ id: string; email: string; status: string }>(
      'SELECT id, email, status FROM shop.orders WHERE email = ANY($1) ORDER BY email',
      [['bjarne@example.com', 'dennis@example.com', 'ken@example.com']],
    );
    expect(rows.rows).toEqual([
      { id: refusedKeyless.body.orderId, email: 'bjarne@example.com', status: 'rejected' },
      { id: retried.body.orderId, email: 'dennis@example.com', status: 'fulfilled' },
      { id: first.orderId, email: 'ken@example.com', status: 'fulfilled' },
    ]);
    const systems = await readSystems(stack);
    for (const order of orders) {
      expect(
        systems.shipments.filter((shipment) => shipment.orderId === order.orderId),
      ).toHaveLength(1);
      expect(mailOfOrder(systems.mail, order.orderId).confirmations).toHaveLength(1);
    }
    // TEA-01 was at 33 after the orders above: taken once per order, not once per request.
    expect(systems.stock.find((product) => product.sku === 'TEA-01')?.stock).toBe(31);
  });
  it("registers the demo's user on a database where an earlier demo run registered one", async () => {
    // Users are unique by email: the same address twice is refused, so each run has its own.
    const earlier = demoUser();
    await registerUser(stack, earlier);
    const again = await postJson<{ error: string }>(`${stack.apiUrl}/users`, earlier);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('email_taken');
    const next = demoUser();
    expect(next.name).toBe(earlier.name);
    const registered = await registerUser(stack, next);
    await waitForJobs(stack.client, [registered.jobId], 60_000);
    const { messages } = await getJson<{ messages: ReceivedMail[] }>(
      `${stack.mailboxUrl}/messages`,
    );
    expect(messages.filter((message) => message.to.includes(next.email))).toHaveLength(1);
  });

  it('emails an announcement to every customer once, in batches, and a replay with its key adds nothing', async () => {
    const { rows } = await stack.db.query<{ email: string }>(
      `SELECT email FROM shop.users UNION SELECT email FROM shop.orders ORDER BY email`,
    );
    const run = await runAnnouncement(stack, 60_000);
    expect(run.first).toMatchObject({ recipients: rows.length, enqueued: rows.length, batches: 1 });
    expect(run.mail.flatMap((message) => message.to).sort()).toEqual(rows.map((row) => row.email));
    expect(run.mail[0]?.subject).toBe(run.subject);
    expect(run.mail[0]?.text).toMatch(/^Hello .+,\n\nTwelve new teas arrived today/);
    expect(run.replay).toMatchObject({
      announcementId: run.first.announcementId,
      enqueued: 0,
      alreadyEnqueued: rows.length,
      replayed: true,
    });
    // After the replay, still one copy per customer.
    const { messages } = await getJson<{ messages: ReceivedMail[] }>(
      `${stack.mailboxUrl}/messages`,
    );
    expect(announcementMail(messages, run.first.announcementId)).toHaveLength(rows.length);
  });
});
