/**
 * Conveyor's dashboard at /admin on the shop's API, over the demo's data placed through the
 * real stack (a private redis-server, PGlite, the mailbox, the warehouse failing every 3rd
 * request, the API and two `conveyor worker` processes): it asks for credentials, lists the
 * shop's queues and its schedule, and draws them in headless Chromium. The browser's screenshot of the overview
 * is the one in the READMEs: `UPDATE_SCREENSHOTS=1` writes it to docs/images/dashboard.png,
 * otherwise it goes to a temporary directory.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@conveyor/test-browser';
import { startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoOrders, demoUser, PRODUCTS } from '../src/demo/scenario.js';
import { placeOrders, registerUser, waitForJobs, waitForOrders } from '../src/stack/flow.js';
import { type Stack, startStack } from '../src/stack/stack.js';

const README_SCREENSHOT = fileURLToPath(
  new URL('../../../docs/images/dashboard.png', import.meta.url),
);
const SHOP_QUEUES = ['emails', 'inventory', 'warehouse'];
const WAIT_MS = 60_000;

interface QueuesBody {
  queues: Array<{ name: string; counts: Record<string, number> }>;
  workers: { live: number };
}

/** Polls `read` until `done` holds of its value (a condition, not a sleep); fails after WAIT_MS. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not there: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the dashboard at /admin, over the demo data', () => {
  let stack: Stack;
  let jobs = 0;
  const user = demoUser();
  const cleanups: Array<() => Promise<void>> = [];
  const authorization = () =>
    `Basic ${Buffer.from(`${stack.admin.username}:${stack.admin.password}`).toString('base64')}`;
  const adminJson = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${stack.adminUrl}${path}`, {
      headers: { authorization: authorization() },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const logDir = await mkdtemp(join(tmpdir(), 'conveyor-shop-admin-'));
    cleanups.push(() => rm(logDir, { recursive: true, force: true }));
    stack = await startStack({
      broker: { mode: 'private-redis', url: redis.url, prefix: 'shop-admin', stop: async () => {} },
      products: PRODUCTS,
      warehouse: { failEvery: 3, failMode: 'after-commit' },
      logDir,
    });
    cleanups.push(() => stack.stop());
    // The demo's run: a registration and 12 orders over HTTP, then every job to its end.
    const welcome = await registerUser(stack, user);
    const orders = await placeOrders(stack, demoOrders(12));
    const runs = await waitForOrders(stack.client, orders, 150_000);
    const ids = [welcome.jobId, ...runs.flatMap((run) => [...run.jobs.values()].map((r) => r.id))];
    jobs = ids.length;
    await waitForJobs(stack.client, ids, 150_000);
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('asks for credentials, and with them lists the shop queues and finds a job by an indexed field', async () => {
    const anonymous = await fetch(`${stack.adminUrl}/api/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
    const wrong = await fetch(`${stack.adminUrl}/`, {
      headers: { authorization: `Basic ${Buffer.from('admin:guess').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    // The shop's own routes stay open.
    expect((await fetch(`${stack.apiUrl}/products`)).status).toBe(200);

    const { queues } = await adminJson<QueuesBody>('/api/queues');
    expect(queues.map((queue) => queue.name).sort()).toEqual(SHOP_QUEUES);
    const finished = queues.reduce((sum, queue) => sum + (queue.counts.finished ?? 0), 0);
    expect(finished).toBe(jobs);

    // sendWelcomeEmail declares index: ['email']. (An order's step jobs carry no input of
    // their own, the worker reads the workflow's: an order is found through its workflow.)
    const [welcome] = await adminJson<{ jobs: Array<{ id: string; task: string }> }>(
      '/api/queues/emails/jobs?state=finished&task=shop.sendWelcomeEmail&limit=1',
    ).then((page) => page.jobs);
    const found = await adminJson<{ jobs: Array<{ id: string }> }>(
      `/api/queues/emails/jobs?task=shop.sendWelcomeEmail&field=email&value=${encodeURIComponent(user.email)}`,
    );
    expect(found.jobs.map((job) => job.id)).toEqual([welcome?.id]);
  });

  it('lists the daily low-stock report on its schedules API, as both workers declare it', async () => {
    const { schedules } = await adminJson<{
      schedules: Array<{ id: string; timing: string; next: number[]; orphaned: boolean }>;
    }>('/api/schedules');
    expect(schedules.map(({ id, timing, orphaned }) => ({ id, timing, orphaned }))).toEqual([
      { id: 'shop.lowStockReport', timing: 'cron 0 7 * * * (Europe/Berlin)', orphaned: false },
    ]);
    // Each next run is 07:00 on Berlin's wall clock.
    const berlin = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      timeStyle: 'short',
    });
    expect(schedules[0]?.next.map((slot) => berlin.format(slot))).toEqual([
      '07:00',
      '07:00',
      '07:00',
    ]);
  });

  it('shows the queues with their counts in Chromium, and saves the screenshot', async () => {
    // The workers record per-minute counts every few seconds: wait until the charts have them.
    await eventually(
      () =>
        adminJson<{ series: Array<{ points: Array<{ completed: number }> }> }>(
          '/api/metrics?minutes=60',
        ),
      (metrics) =>
        metrics.series.flatMap((series) => series.points).reduce((n, p) => n + p.completed, 0) >=
        jobs - 1, // the order with too few teapots fails
    );
    const { queues } = await adminJson<QueuesBody>('/api/queues');

    const browser = await launchChromium("The shop's admin test");
    try {
      const context = await browser.newContext({
        httpCredentials: { username: stack.admin.username, password: stack.admin.password },
        viewport: { width: 1280, height: 640 },
      });
      const page = await context.newPage();
      await page.goto(`${stack.adminUrl}/`);
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      await page.locator('.live-status[data-status="live"]').waitFor();
      for (const queue of queues) {
        const row = page.locator(`tr[data-queue="${queue.name}"]`);
        for (const state of ['waiting', 'delayed', 'active', 'dead', 'finished']) {
          await expect
            .poll(() => row.locator(`td[data-count="${state}"]`).textContent())
            .toBe(String(queue.counts[state]));
        }
      }
      await expect
        .poll(() => page.locator('figure.chart').first().locator('path.line').count())
        .toBeGreaterThan(0);

      const file = process.env.UPDATE_SCREENSHOTS
        ? README_SCREENSHOT
        : join(await mkdtemp(join(tmpdir(), 'conveyor-shop-screenshot-')), 'dashboard.png');
      await mkdir(dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
      expect(existsSync(file)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
