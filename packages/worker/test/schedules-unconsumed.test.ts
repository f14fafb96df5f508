import { defineSchedule, memoryTransport, type Transport } from '@conveyor/core';
import { createManualClock, type ManualClock } from '@conveyor/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWorker, type Worker } from '../src/index.js';
import { captureLogger } from './helpers.js';
import { MINUTE, report, SCHEDULED } from './schedule-fleet.js';

// A worker that fires a schedule into a queue no live worker takes (`conveyor worker --queues
// default` with a `reports` schedule) says so, once; a fleet where another worker takes the
// queue hears nothing.

const t0 = Date.UTC(2026, 0, 1, 12);
const everyMinute = defineSchedule({ id: 'r.minute', task: report, every: '1m', input: { n: 1 } });

const started: Array<{ worker: Worker; clock: ManualClock }> = [];
afterEach(async () => {
  for (const { worker, clock } of started.splice(0).reverse()) {
    const stopping = worker.stop({ graceMs: 0 });
    await clock.advance(0);
    await stopping;
  }
});

function start(
  transport: Transport,
  clock: ManualClock,
  queues: string[],
  schedules = [everyMinute],
): ReturnType<typeof captureLogger> {
  const logger = captureLogger();
  const worker = createWorker({
    transport,
    tasks: [report],
    queues,
    clock,
    logger,
    reserveWaitMs: 10 * MINUTE,
    metricsFlushMs: false,
    schedules,
  });
  void worker.start();
  started.push({ worker, clock });
  return logger;
}

const unconsumed = (logger: ReturnType<typeof captureLogger>) =>
  logger.lines.filter((line) => line.level === 'warn' && /no live worker takes/.test(line.message));

describe('a schedule into a queue no worker takes', () => {
  it('is warned about once, with the queue and what to do', async () => {
    const clock = createManualClock(t0 - 30_000);
    const transport = memoryTransport({ clock });
    const logger = start(transport, clock, ['work']);
    await clock.advance(30_000);
    await vi.waitFor(() => expect(unconsumed(logger)).toHaveLength(1), { timeout: 30_000 });
    const [line] = unconsumed(logger);
    expect(line?.fields).toMatchObject({ schedule: `${SCHEDULED}/r.minute`, queue: SCHEDULED });
    expect(line?.message).toMatch(
      /^schedule "sched\/r\.minute" enqueued job \S+ into queue "sched", which no live worker takes \(this one takes work\): its jobs wait there until one does\. Start a worker for it \(`conveyor worker --queues sched`\), or add the queue to this worker's\.$/,
    );
    // The next slots fire as before, without saying it again.
    await clock.advance(2 * MINUTE);
    expect((await transport.admin?.queueCounts([SCHEDULED]))?.[0]?.waiting).toBe(3);
    expect(unconsumed(logger)).toHaveLength(1);
  });

  it('is not warned about while another worker takes the queue', async () => {
    const clock = createManualClock(t0 - 30_000);
    const transport = memoryTransport({ clock });
    // The consumer is up before the first slot, as in a fleet's steady state.
    start(transport, clock, [SCHEDULED], []);
    const logger = start(transport, clock, ['work']);
    await clock.advance(0);
    await vi.waitFor(async () => expect(await transport.admin?.listWorkers()).toHaveLength(2), {
      timeout: 30_000,
    });
    await clock.advance(30_000);
    await clock.advance(MINUTE);
    await clock.advance(MINUTE);
    await vi.waitFor(
      async () =>
        expect((await transport.admin?.queueCounts([SCHEDULED]))?.[0]).toMatchObject({
          waiting: 0,
          active: 0,
          finished: 3,
        }),
      { timeout: 30_000 },
    );
    expect(unconsumed(logger)).toEqual([]);
  });
});
