// Pausing a queue from its page, in headless Chromium over a private redis-server, with a
// worker loop consuming it: after Pause (and its confirm step) the page and the overview show
// the badge, jobs enqueued meanwhile stay waiting while the worker takes another queue's job,
// and after Resume the worker runs them. A partitioned queue paused in part says how much.

import { silentLogger, type Transport } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER } from '../helpers.js';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

let redis: RedisServer;
let transport: Transport;
const stopWorker = new AbortController();
let worker: Promise<void>;

/**
 * A worker's fetch loop, as small as it gets: a blocking reserve over `queues` (in that
 * order, so a job of `mail` is always taken first), each job completed at once.
 */
async function runWorker(queues: string[]): Promise<void> {
  const signal = stopWorker.signal;
  while (!signal.aborted) {
    const held = await transport.reserve({
      queues,
      max: 10,
      leaseMs: 60_000,
      waitMs: 5_000,
      signal,
      consumer: 'worker-a',
    });
    if (held.length === 0) continue;
    await transport.settle(
      held.map(({ envelope, token }) => ({
        type: 'complete' as const,
        id: envelope.id,
        token,
        result: { sent: true },
      })),
    );
  }
}

const send = (i: number) => ({ task: 'mail.send', input: { to: `c${i}@example.com` } });

async function states(ids: readonly string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await transport.getJob(id))?.state ?? 'gone'));
}

async function completed(ids: readonly string[]): Promise<void> {
  await expect.poll(() => states(ids), { timeout: 15_000 }).toEqual(ids.map(() => 'completed'));
}

beforeAll(async () => {
  redis = await startRedis();
  transport = redisTransport({ url: redis.url, prefix: 'pause-ui', logger: silentLogger });
});
// Registered first, so it runs last: after useBrowserPage's afterAll has closed the transport.
afterAll(async () => {
  await redis?.stop();
});

const ui = useBrowserPage({ transport: () => transport, label: 'queue pause' });

beforeAll(() => {
  worker = runWorker(['mail', 'other']);
});
afterAll(async () => {
  stopWorker.abort();
  await worker;
});

async function confirm(name: string): Promise<void> {
  const dialog = ui.page.getByRole('dialog');
  await dialog.getByRole('button', { name }).waitFor();
  await ui.shoot(name.toLowerCase().replace(' ', '-'), { fullPage: false });
  await dialog.getByRole('button', { name }).click();
}

describe('pausing a queue from the dashboard', () => {
  it('pause, badge, jobs left waiting by a running worker, resume, jobs run', async () => {
    // The worker runs mail's jobs while the queue is not paused.
    await completed(await enqueue(transport, 'mail', [send(1)]));
    await ui.page.goto(`${ui.served.url}/queues/mail`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();

    await ui.page.getByRole('button', { name: 'Pause', exact: true }).click();
    await confirm('Pause queue');
    await ui.page
      .locator('.notice-ok')
      .filter({ hasText: 'workers take none of its jobs until it is resumed' })
      .waitFor();
    await ui.page.locator('.page-head .badge.state-paused', { hasText: 'paused' }).waitFor();
    await ui.page.getByRole('button', { name: 'Resume', exact: true }).waitFor();

    // Jobs enqueued now wait: the worker's next reserve, which takes `other`'s job, would
    // have taken mail's first had the queue not been paused.
    const waiting = await enqueue(transport, 'mail', [send(2), send(3), send(4)]);
    await completed(await enqueue(transport, 'other', [send(5)]));
    expect(await states(waiting)).toEqual(['waiting', 'waiting', 'waiting']);
    await ui.page.locator('.tab-count[data-count="waiting"]', { hasText: /^3$/ }).waitFor();
    // The list follows the counts (at most every 2 s): the waiting jobs are listed.
    for (const id of waiting) await ui.page.locator('tbody a.mono', { hasText: id }).waitFor();
    await ui.shoot('queue-paused', { fullPage: false });

    await ui.page.goto(`${ui.served.url}/`);
    const row = ui.page.locator('tr[data-queue="mail"]');
    await row.locator('.badge.state-paused', { hasText: 'paused' }).waitFor();
    expect(await ui.page.locator('tr[data-queue="other"] .state-paused').count()).toBe(0);
    await ui.shoot('overview-paused', { fullPage: false });

    await row.getByRole('link', { name: 'mail', exact: true }).click();
    await ui.page.getByRole('button', { name: 'Resume', exact: true }).click();
    await confirm('Resume queue');
    await ui.page
      .locator('.notice-ok')
      .filter({ hasText: 'workers take its jobs again' })
      .waitFor();
    await ui.page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    expect(await ui.page.locator('.page-head .state-paused').count()).toBe(0);
    await completed(waiting);
    await ui.page.locator('.tab-count[data-count="waiting"]', { hasText: /^0$/ }).waitFor();
    await ui.shoot('queue-resumed', { fullPage: false });

    // Both actions are in the audit log, with who did them.
    await ui.page.goto(`${ui.served.url}/audit`);
    for (const action of ['queue.pause', 'queue.resume']) {
      const entry = ui.page.locator('tbody tr', { hasText: action });
      await entry.waitFor();
      expect(await entry.textContent()).toContain(USER);
    }
  });

  it('names the plain queue apart in a partly paused badge, instead of counting it', async () => {
    await enqueue(transport, 'mixed~0of2', [send(8)]);
    await enqueue(transport, 'mixed~1of2', [send(9)]);
    await enqueue(transport, 'mixed', [send(10)]);
    await transport.admin?.pauseQueue('mixed~1of2');
    await ui.page.goto(`${ui.served.url}/`);
    const row = ui.page.locator('tr[data-queue="mixed"]');
    // It read "1 of 3 partitions paused" for a queue of 2.
    await row
      .locator('.state-paused', { hasText: '1 of 2 partitions and the plain queue paused' })
      .waitFor();
    await row.getByRole('button', { name: '2 partitions and the plain queue' }).waitFor();
    await transport.admin?.resumeQueue('mixed~1of2');
  });

  it('a partitioned queue paused in part says how many partitions are paused', async () => {
    await enqueue(transport, 'digest~0of2', [send(6)]);
    await enqueue(transport, 'digest~1of2', [send(7)]);
    await transport.admin?.pauseQueue('digest~1of2');
    await ui.page.goto(`${ui.served.url}/`);
    const row = ui.page.locator('tr[data-queue="digest"]');
    await row.locator('.state-paused', { hasText: '1 of 2 partitions paused' }).waitFor();
    await row.getByRole('button', { name: '2 partitions' }).click();
    await ui.page
      .locator('tr[data-queue="digest~1of2"] .state-paused', { hasText: 'paused' })
      .waitFor();
    expect(await ui.page.locator('tr[data-queue="digest~0of2"] .state-paused').count()).toBe(0);
    await ui.shoot('overview-partly-paused', { fullPage: false });

    // The queue's page offers both: pause the rest, or resume the paused one.
    await ui.page.goto(`${ui.served.url}/queues/digest`);
    await ui.page.getByRole('button', { name: 'Resume', exact: true }).waitFor();
    await ui.page.getByRole('button', { name: 'Pause', exact: true }).click();
    const dialog = ui.page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Pauses all its 2 partitions.');
    await dialog.getByRole('button', { name: 'Pause queue' }).click();
    await ui.page.locator('.page-head .state-paused', { hasText: /^paused$/ }).waitFor();
    expect(
      (await transport.admin?.queueCounts(['digest~0of2', 'digest~1of2']))?.map((c) => c.paused),
    ).toEqual([true, true]);
    await ui.shoot('queue-partitions-paused');
  });
});
