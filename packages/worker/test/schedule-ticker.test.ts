import type { TransportSchedules } from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { expect, it } from 'vitest';
import { createScheduleTicker } from '../src/schedule-ticker.js';
import { captureLogger } from './helpers.js';

it('says when listing the schedules fails, each minute while it does, and when it works again', async () => {
  // It warned once and then said nothing however long the outage lasted, and its "works
  // again" gave neither how long nor how many tries.
  const clock = createManualClock();
  const logger = captureLogger();
  let failure: Error | undefined = new Error('connect ECONNREFUSED 127.0.0.1:6379');
  let lists = 0;
  const schedules = {
    async list() {
      lists += 1;
      if (failure) throw failure;
      return { schedules: [], now: clock.now() };
    },
  } as unknown as TransportSchedules;
  const ticker = createScheduleTicker({
    schedules,
    declared: [],
    queues: ['q'],
    refreshMs: 10_000,
    clock,
    logger,
    random: () => 0.5,
    taskOf: () => undefined,
    onFired() {},
  });
  ticker.start();
  const said = () => logger.lines.filter((line) => line.level !== 'debug');
  // A list every 10 s: at 0, 10, …, 60 s the seventh, a minute after the first.
  for (let step = 0; step < 6; step++) await clock.advance(10_000);
  await expect.poll(() => lists, { timeout: 30_000 }).toBe(7);
  failure = Object.assign(new Error('CLUSTERDOWN The cluster is down'), { code: 'CLUSTER' });
  await clock.advance(10_000);
  failure = undefined;
  await clock.advance(10_000);
  await expect.poll(() => lists, { timeout: 30_000 }).toBe(9);
  expect(said().map((line) => `${line.level} ${line.message}`)).toEqual([
    'warn listing the schedules failed; retrying',
    'warn listing the schedules still fails after 1 min (7 tries); retrying',
    // Another error: said at once.
    'warn listing the schedules failed; retrying',
    'info listing the schedules works again, after 1 min 20 s and 8 failed tries',
  ]);
  await ticker.stop();
});
