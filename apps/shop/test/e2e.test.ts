/**
 * The shop end to end, as the demo runs it: a private redis-server, the real SMTP
 * mailbox, the warehouse over HTTP (failing every 3rd request), the API and two
 * `conveyor worker` processes, once on embedded PGlite and once on the local
 * PostgreSQL server (in a database created for the run and dropped after).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobRecord } from '@conveyor/core';
import { startRedis } from '@conveyor/test-redis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTS } from '../src/demo/scenario.js';
import type { ReceivedMail } from '../src/mail/mailbox.js';
import { useClient } from '../src/producer.js';
import {
  customerMail,
  placeOrders,
  readSystems,
  registerUser,
  runLowStockReport,
  waitForJobs,
} from '../src/stack/flow.js';
import { getJson, postJson } from '../src/stack/http.js';
import { type Stack, startStack } from '../src/stack/stack.js';
import type { Shipment } from '../src/warehouse/protocol.js';

const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

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
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      cleanups.push(async () => {
        const dropper = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await dropper.end();
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
  });

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

    expect((await fetch(`${stack.apiUrl}/orders/not-an-id`)).status).toBe(400);
    expect((await fetch(`${stack.apiUrl}/orders/ord_000000000000`)).status).toBe(404);
    // Nothing was enqueued and nothing was sent for any of them.
    const { messages } = await getJson<{ messages: ReceivedMail[] }>(
      `${stack.mailboxUrl}/messages`,
    );
    expect(customerMail(messages)).toEqual([]);
  });

  it('emails, updates stock once and ships once per order, through failures and duplicate jobs', async () => {
    const user = await registerUser(stack, { email: 'margaret@example.com', name: 'Margaret' });
    const orders = await placeOrders(stack, ORDERS);
    // Every order's stock update and shipment enqueued a second time, as by a careless producer.
    const stubs = useClient(stack.client);
    const duplicates: string[] = [];
    for (const [index, order] of orders.entries()) {
      const { items } = ORDERS[index] ?? { items: [] };
      duplicates.push(
        (await stubs.updateInventory.delay({ orderId: order.orderId, items })).id,
        (await stubs.notifyWarehouse.delay({ orderId: order.orderId, email: order.email, items }))
          .id,
      );
    }
    const ids = [
      user.jobId,
      ...orders.flatMap((order) => Object.values(order.jobs)),
      ...duplicates,
    ];
    // A wait on the jobs' finish notifications: it ends when they are final, so it can be long.
    const records = await waitForJobs(stack.client, ids, 150_000);
    const systems = await readSystems(stack);

    // Emails: one per order (recipient, subject and order id header) plus the welcome email.
    expect(systems.mail).toHaveLength(ORDERS.length + 1);
    for (const order of orders) {
      const mail = systems.mail.filter((message) => message.orderId === order.orderId);
      expect(mail).toHaveLength(1);
      expect(mail[0]?.to).toEqual([order.email]);
      expect(mail[0]?.subject).toBe(`Order ${order.orderId} confirmed`);
      expect(mail[0]?.text).toContain(order.orderId);
    }
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
    const edsger = orders[3];
    expect(processed.rows.map((row) => row.order_id)).toEqual(
      orders
        .filter((order) => order !== edsger)
        .map((order) => order.orderId)
        .sort(),
    );
    const refused = records.get(edsger?.jobs.inventory ?? '') as JobRecord;
    expect(refused.state).toBe('failed');
    expect(refused.attempts).toBe(1);
    expect(refused.error?.message).toMatch(
      /^Insufficient stock for POT-02: 5 ordered, [13] left \(order ord_/,
    );

    // Shipments: exactly one per order, although the warehouse failed every 3rd request
    // and each order's shipment job ran twice (the duplicate).
    const perOrder = new Map<string, Shipment[]>();
    for (const shipment of systems.shipments) {
      perOrder.set(shipment.orderId, [...(perOrder.get(shipment.orderId) ?? []), shipment]);
    }
    expect(systems.shipments).toHaveLength(orders.length);
    for (const order of orders) expect(perOrder.get(order.orderId)).toHaveLength(1);
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
    expect(shippingJobs.every((record) => record.state === 'completed')).toBe(true);
    // Each injected 503 cost one shipping job one extra attempt.
    const extraAttempts = shippingJobs.reduce((sum, record) => sum + record.attempts - 1, 0);
    expect(extraAttempts).toBe(injected.length);

    // GET /orders/:id reports each task's final state.
    const status = await getJson<{ tasks: Array<{ role: string; state: string }> }>(
      `${stack.apiUrl}/orders/${edsger?.orderId}`,
    );
    expect(Object.fromEntries(status.tasks.map((task) => [task.role, task.state]))).toEqual({
      confirmation: 'completed',
      inventory: 'failed',
      warehouse: 'completed',
    });
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
});
