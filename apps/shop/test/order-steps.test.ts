/**
 * The order workflow's own steps, run by a worker on the real PostgreSQL server (a
 * database made for the run) and the real SMTP mailbox: `markOrderFulfilled` and
 * `rejectOrder` change an order once however often their job runs, and a rejected order's
 * customer gets one out-of-stock email, never two. And, on the same database, which has no
 * products of its own, `pnpm seed` as the README runs it by hand.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Client, createClient, memoryTransport } from '@conveyor/core';
import { createWorker, type Worker } from '@conveyor/worker';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrder, insertOrder, rejectOnce } from '../src/db/orders.js';
import { createPool } from '../src/db/pool.js';
import { migrate, seedProducts, stockLevels } from '../src/db/schema.js';
import { PRODUCTS } from '../src/demo/scenario.js';
import { type Mailbox, startMailbox } from '../src/mail/mailbox.js';
import { closeServices } from '../src/services.js';
import { markOrderFulfilled } from '../src/tasks/mark-order-fulfilled.js';
import { rejectOrder } from '../src/tasks/reject-order.js';

const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REASON = 'Insufficient stock for POT-02: 5 ordered, 1 left (order ord_x)';

describe('the order steps markOrderFulfilled and rejectOrder', () => {
  const cleanups: Array<() => Promise<void>> = [];
  let mailbox: Mailbox;
  let client: Client;
  let db: pg.Pool;

  beforeAll(async () => {
    const name = `conveyor_shop_steps_${randomBytes(4).toString('hex')}`;
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
    const databaseUrl = Object.assign(new URL(POSTGRES_ADMIN_URL), { pathname: `/${name}` });
    db = createPool(databaseUrl.toString());
    cleanups.push(() => db.end());
    await migrate(db);
    // Twice: the migration runs at every start, on tables that already have the columns.
    await migrate(db);

    mailbox = await startMailbox();
    cleanups.push(() => mailbox.close());
    process.env.DATABASE_URL = databaseUrl.toString();
    process.env.SMTP_URL = mailbox.smtpUrl;
    cleanups.push(() => closeServices());

    const transport = memoryTransport();
    client = createClient({ transport });
    cleanups.push(() => client.close());
    const worker: Worker = createWorker({
      transport,
      tasks: [markOrderFulfilled, rejectOrder],
      queues: ['emails', 'inventory'],
      concurrency: 4,
      id: 'order-steps-worker',
      logger: pino({ level: 'warn' }),
    });
    const running = worker.start();
    cleanups.push(async () => {
      await worker.stop();
      await running;
    });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const newOrder = async (email: string) => {
    const id = `ord_${randomBytes(6).toString('hex')}`;
    await insertOrder(db, { id, email, name: 'Edsger', items: [{ sku: 'POT-02', quantity: 5 }] });
    return id;
  };
  const outOfStockMail = (orderId: string) =>
    mailbox.messages().filter((message) => message.orderId === orderId);

  it('starts every order pending', async () => {
    const id = await newOrder('ada@example.com');
    expect(await findOrder(db, id)).toMatchObject({
      status: 'pending',
      shipmentId: null,
      reason: null,
      workflowId: null,
      settledAt: null,
    });
  });

  it('markOrderFulfilled sets fulfilled with the shipment once; a second job changes nothing', async () => {
    const id = await newOrder('grace@example.com');
    const first = await client.enqueue(markOrderFulfilled, { orderId: id, shipmentId: 'shp_0007' });
    expect(await first.result({ timeout: 30_000 })).toEqual({
      orderId: id,
      status: 'fulfilled',
      shipmentId: 'shp_0007',
      applied: true,
    });
    const settled = await findOrder(db, id);
    expect(settled).toMatchObject({ status: 'fulfilled', shipmentId: 'shp_0007' });
    expect(settled?.settledAt).not.toBeNull();

    const again = await client.enqueue(markOrderFulfilled, { orderId: id, shipmentId: 'shp_0007' });
    expect(await again.result({ timeout: 30_000 })).toMatchObject({ applied: false });
    expect(await findOrder(db, id)).toEqual(settled);

    // Another shipment for a fulfilled order is refused at once, not retried.
    const other = await client.enqueue(markOrderFulfilled, { orderId: id, shipmentId: 'shp_0099' });
    await other.result({ timeout: 30_000 }).catch(() => {});
    const record = await client.getJob(other.id);
    expect(record).toMatchObject({ state: 'failed', attempts: 1 });
    expect(record?.error?.message).toBe(
      `Order ${id} is fulfilled with shipment shp_0007; it cannot become fulfilled with shipment shp_0099`,
    );
    expect((await findOrder(db, id))?.shipmentId).toBe('shp_0007');
  });

  it('rejectOrder sets rejected with the reason and sends one out-of-stock email, however many jobs run', async () => {
    const id = await newOrder('edsger@example.com');
    // Three jobs for one order, two of them at once: the row lock lets one send the email.
    const jobs = await Promise.all(
      [1, 2, 3].map(() => client.enqueue(rejectOrder, { orderId: id, reason: REASON })),
    );
    const results = await Promise.all(jobs.map((job) => job.result({ timeout: 30_000 })));
    expect(results.filter((result) => result.mailed)).toHaveLength(1);
    expect(results.every((result) => result.status === 'rejected')).toBe(true);

    expect(await findOrder(db, id)).toMatchObject({ status: 'rejected', reason: REASON });
    const mail = outOfStockMail(id);
    expect(mail).toHaveLength(1);
    expect(mail[0]?.to).toEqual(['edsger@example.com']);
    expect(mail[0]?.subject).toBe(`Order ${id} is out of stock`);
    expect(mail[0]?.text).toContain(`Reason: ${REASON}`);
    expect(mail[0]?.messageId).toBe(`<order-${id}-out-of-stock@shop.conveyor.local>`);

    // A later retry: still rejected with the first reason, still one email.
    const late = await client.enqueue(rejectOrder, { orderId: id, reason: 'something else' });
    expect(await late.result({ timeout: 30_000 })).toMatchObject({ mailed: false });
    expect(await findOrder(db, id)).toMatchObject({ status: 'rejected', reason: REASON });
    expect(outOfStockMail(id)).toHaveLength(1);
  });

  it('rolls the rejection back when the email cannot be sent, so the retry sends it', async () => {
    const id = await newOrder('barbara@example.com');
    await expect(
      rejectOnce(db, id, REASON, () => Promise.reject(new Error('SMTP connection refused'))),
    ).rejects.toThrow('SMTP connection refused');
    expect(await findOrder(db, id)).toMatchObject({ status: 'pending', reason: null });

    const retry = await client.enqueue(rejectOrder, { orderId: id, reason: REASON });
    expect(await retry.result({ timeout: 30_000 })).toMatchObject({ mailed: true });
    expect(outOfStockMail(id)).toHaveLength(1);
  });

  it('refuses to reject a fulfilled order, and to settle an order that does not exist', async () => {
    const id = await newOrder('alan@example.com');
    await (
      await client.enqueue(markOrderFulfilled, { orderId: id, shipmentId: 'shp_0001' })
    ).result({ timeout: 30_000 });
    const refused = await client.enqueue(rejectOrder, { orderId: id, reason: REASON });
    await refused.result({ timeout: 30_000 }).catch(() => {});
    expect(await client.getJob(refused.id)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(await findOrder(db, id)).toMatchObject({ status: 'fulfilled', reason: null });
    expect(outOfStockMail(id)).toEqual([]);

    const missing = await client.enqueue(rejectOrder, { orderId: 'ord_missing', reason: REASON });
    await missing.result({ timeout: 30_000 }).catch(() => {});
    expect((await client.getJob(missing.id))?.error?.message).toBe(
      `No order "ord_missing" to reject (${REASON})`,
    );
  });
  it('pnpm seed, as the README runs it by hand: the demo products where there were none, set again by a second run, other products left alone', async () => {
    const seed = () =>
      promisify(execFile)('pnpm', ['run', '--silent', 'seed'], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: process.env, // DATABASE_URL: this file's database
      });
    expect(await stockLevels(db)).toEqual([]);
    const { stdout } = await seed();
    expect(stdout).toBe('Seeded 3 products: MUG-07 12, POT-02 3, TEA-01 40\n');
    expect(await stockLevels(db)).toEqual(PRODUCTS);

    await db.query(`UPDATE shop.products SET stock = 0 WHERE sku = 'TEA-01'`);
    const cup = { sku: 'CUP-11', name: 'Espresso cup', stock: 6 };
    await seedProducts(db, [cup]);
    await seed();
    expect(await stockLevels(db)).toEqual([cup, ...PRODUCTS]);
  });
});
