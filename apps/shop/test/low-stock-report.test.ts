/**
 * The daily low-stock report: the schedule as declared (07:00 in Berlin, whatever the
 * daylight-saving time), and the task run by a worker that was given the schedule, on the
 * real PostgreSQL server (a database made for the run), the real SMTP mailbox and a
 * redis-server of the run's own (`TEST_REDIS_URL` names another), under a key prefix of its
 * own. Not the machine's Redis on 6379: a run must not fail because that one is down.
 */
import { randomBytes } from 'node:crypto';
import {
  type Client,
  createClient,
  memoryTransport,
  nextSlots,
  scheduledSlotOf,
} from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { redisTransport } from '@conveyor/redis';
import { startRedis } from '@conveyor/test-redis';
import { createWorker, type Worker } from '@conveyor/worker';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPool } from '../src/db/pool.js';
import { migrate, type Product, seedProducts } from '../src/db/schema.js';
import { tasks } from '../src/generated/registry.js';
import { type Mailbox, startMailbox } from '../src/mail/mailbox.js';
import { closeServices } from '../src/services.js';
import { chooseBroker } from '../src/stack/broker.js';
import { lowStockReport, sendLowStockReport } from '../src/tasks/send-low-stock-report.js';

const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAY = 24 * 60 * 60_000;
/** The workers' log shows warnings and errors only. */
const quiet = pino({ level: 'warn' });

/** What sendLowStockReport returns (a run-now handle does not know its task's types). */
interface ReportResult {
  to: string;
  messageId: string;
  products: Product[];
}

describe('the lowStockReport schedule', () => {
  it('runs sendLowStockReport at 07:00 Europe/Berlin every day, for stock at or below 5', () => {
    expect(lowStockReport.id).toBe('shop.lowStockReport');
    expect(lowStockReport.task).toBe(sendLowStockReport);
    expect(lowStockReport.cron).toBe('0 7 * * *');
    expect(lowStockReport.tz).toBe('Europe/Berlin');
    expect(lowStockReport.input).toEqual({ threshold: 5, to: 'stock@shop.conveyor.local' });
    expect(lowStockReport.misfire).toBe('latest');
    expect(lowStockReport.enabled).toBe(true);
  });

  it('fires at 06:00Z in winter and 05:00Z in summer, switching on the DST days', () => {
    const iso = (after: number, count: number) =>
      nextSlots(lowStockReport, after, count).map((slot) => new Date(slot).toISOString());
    expect(iso(Date.UTC(2026, 11, 2, 8), 2)).toEqual([
      '2026-12-03T06:00:00.000Z',
      '2026-12-04T06:00:00.000Z',
    ]);
    expect(iso(Date.UTC(2026, 6, 15, 12), 1)).toEqual(['2026-07-16T05:00:00.000Z']);
    // Spring forward on Sunday 29 March 2026, fall back on Sunday 25 October 2026.
    expect(iso(Date.UTC(2026, 2, 27, 12), 3)).toEqual([
      '2026-03-28T06:00:00.000Z',
      '2026-03-29T05:00:00.000Z',
      '2026-03-30T05:00:00.000Z',
    ]);
    expect(iso(Date.UTC(2026, 9, 23, 12), 3)).toEqual([
      '2026-10-24T05:00:00.000Z',
      '2026-10-25T06:00:00.000Z',
      '2026-10-26T06:00:00.000Z',
    ]);
  });
});

describe('sendLowStockReport, run by a worker given the schedule', () => {
  const cleanups: Array<() => Promise<void>> = [];
  let mailbox: Mailbox;
  let client: Client;
  let worker: Worker;
  let db: pg.Pool;

  beforeAll(async () => {
    const name = `conveyor_shop_report_${randomBytes(4).toString('hex')}`;
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
    await seedProducts(db, [
      { sku: 'CUP-11', name: 'Espresso cup', stock: 6 },
      { sku: 'KET-04', name: 'Kettle', stock: 0 },
      { sku: 'POT-02', name: 'Cast-iron teapot', stock: 5 },
      { sku: 'TEA-01', name: 'Sencha, 100 g', stock: 40 },
      { sku: 'TIN-09', name: 'Tea tin', stock: 2 },
    ]);

    mailbox = await startMailbox();
    cleanups.push(() => mailbox.close());
    // The tasks read their services from the environment, as in a `conveyor worker` process.
    process.env.DATABASE_URL = databaseUrl.toString();
    process.env.SMTP_URL = mailbox.smtpUrl;
    cleanups.push(() => closeServices());

    // A fresh key prefix on a Redis given by URL (as `REDIS_URL` is), deleted at the end.
    let redisUrl = process.env.TEST_REDIS_URL;
    if (!redisUrl) {
      const server = await startRedis();
      cleanups.push(() => server.stop());
      redisUrl = server.url;
    }
    const broker = await chooseBroker({ REDIS_URL: redisUrl, PATH: process.env.PATH });
    cleanups.push(() => broker.stop());
    if (broker.mode !== 'redis-url') throw new Error(`no Redis at ${redisUrl}`);
    const { prefix } = broker;
    const url = redisUrl;
    const transport = () => redisTransport({ url, prefix });
    client = createClient({ transport: transport() });
    cleanups.push(() => client.close());
    worker = createWorker({
      transport: transport(),
      tasks,
      queues: ['emails'],
      schedules: [lowStockReport],
      id: 'report-worker',
      logger: quiet,
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

  it('stores the schedule as declared when the worker starts', async () => {
    const row = await vi.waitFor(
      async () => {
        const found = (await client.schedules.list()).find((s) => s.id === lowStockReport.id);
        if (!found) throw new Error('not stored yet');
        return found;
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(row).toMatchObject({
      queue: 'emails',
      task: 'shop.sendLowStockReport',
      cron: '0 7 * * *',
      tz: 'Europe/Berlin',
      source: 'code',
      paused: false,
      orphaned: false,
      input: lowStockReport.input,
    });
    // Nothing fired at start: the first slot is tomorrow's (or today's) 07:00 in Berlin.
    expect(row.lastJobId).toBeUndefined();
    const [first = 0] = row.next;
    expect(row.next).toEqual(nextSlots(lowStockReport, first - 1, 3));
  });

  it('run-now emails a report listing exactly the products at or below 5, scarcest first', async () => {
    const job = await client.schedules.runNow(lowStockReport.id);
    const result = (await job.result({ timeout: 60_000 })) as ReportResult;
    expect(result).toMatchObject({
      to: 'stock@shop.conveyor.local',
      products: [
        { sku: 'KET-04', name: 'Kettle', stock: 0 },
        { sku: 'TIN-09', name: 'Tea tin', stock: 2 },
        { sku: 'POT-02', name: 'Cast-iron teapot', stock: 5 },
      ],
    });
    const mail = mailbox.messages().find((message) => message.messageId === result.messageId);
    expect(mail?.to).toEqual(['stock@shop.conveyor.local']);
    expect(mail?.subject).toBe('Low stock: 3 products at or below 5');
    const rows = mail?.text.split('\n').filter((line) => /^ {2}\S/.test(line));
    expect(rows).toEqual([
      '  SKU     Stock  Product',
      '  KET-04      0  Kettle',
      '  TIN-09      2  Tea tin',
      '  POT-02      5  Cast-iron teapot',
    ]);
  });

  it('says so when nothing is at or below the threshold', async () => {
    await seedProducts(db, [{ sku: 'KET-04', name: 'Kettle', stock: 3 }]);
    const job = await client.enqueue(sendLowStockReport, { threshold: 1, to: 'ops@example.com' });
    const result = await job.result({ timeout: 60_000 });
    expect(result.products).toEqual([]);
    const mail = mailbox.messages().filter((message) => message.to.includes('ops@example.com'));
    expect(mail.map((message) => message.subject)).toEqual(['Low stock: none at or below 1']);
    expect(mail[0]?.text).toMatch(/^No product has 1 or fewer in stock \(/);
  });

  it('on a manual clock: the worker fires the 07:00 Berlin slot once, and the report is mailed', async () => {
    const slot = Date.UTC(2026, 11, 3, 6); // 07:00 CET
    const clock = createManualClock(slot - 60_000);
    const transport = memoryTransport({ clock });
    const local = createClient({ transport });
    const ticking = createWorker({
      transport,
      tasks,
      queues: ['emails'],
      schedules: [lowStockReport],
      clock,
      id: 'manual-clock-worker',
      logger: quiet,
    });
    const running = ticking.start();
    try {
      const row = async () => {
        const rows = await local.schedules.list();
        const found = rows.find((candidate) => candidate.id === lowStockReport.id);
        if (!found) throw new Error('not stored yet');
        return found;
      };
      // Stored, and declared in the worker's record (until then it is orphaned: no next times).
      const declared = async () => {
        const found = await row();
        if (found.orphaned) throw new Error('not declared by a live worker yet');
        return found;
      };
      expect((await vi.waitFor(declared, { timeout: 30_000, interval: 50 })).next[0]).toBe(slot);
      await clock.advance(59_000); // 06:59:59: not yet
      expect((await row()).lastJobId).toBeUndefined();
      await clock.advance(1_000); // 07:00:00
      const fired = await vi.waitFor(
        async () => {
          const { lastJobId } = await row();
          const record = lastJobId === undefined ? undefined : await local.getJob(lastJobId);
          if (record?.state !== 'completed') throw new Error(`report job: ${record?.state}`);
          return record;
        },
        { timeout: 60_000, interval: 50 },
      );
      expect(scheduledSlotOf(fired.id)).toEqual({
        queue: 'emails',
        slotAt: slot,
        scheduleId: lowStockReport.id,
      });
      const { messageId } = fired.result as { messageId?: string };
      expect(mailbox.messages().filter((message) => message.messageId === messageId)).toHaveLength(
        1,
      );
      // The rest of the day fires nothing more; the next slot is tomorrow's 07:00.
      await clock.advance(3 * 60 * 60_000);
      expect(await row()).toMatchObject({
        lastJobId: fired.id,
        next: [slot + DAY, slot + 2 * DAY, slot + 3 * DAY],
      });
      expect((await local.schedules.list()).length).toBe(1);
    } finally {
      await ticking.stop();
      await running;
      await local.close();
    }
  });
});
