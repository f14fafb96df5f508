import { createClient, defineTask } from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { captureLogger, deferred, type LogLine } from './helpers.js';

// Redis goes away while the worker holds leases: the worker says so while it happens (a
// renewal unanswered), not only once ioredis gives up on the call seconds later, after the
// leases may have run out; and it says once when renewals are answered again.

let redis: RedisServer;
const transports: RedisTransport[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(transports.map((transport) => transport.close()));
  await redis?.stop();
});

/** The outage's warning: unanswered, or failed first (a call the client rejected at once). */
const WARNING = /^lease renewal (unanswered|failed \(.*\), unanswered) for \d+ ms: /;
const ANSWERED = 'lease renewals answered again';
/** Waits long on a busy machine; nothing here waits on a fixed time. */
const PATIENT = { timeout: 20_000, interval: 20 };

/** Runs one job that holds its lease until `outage` is over, and returns the log lines after `outage` began. */
async function holdThrough(outage: {
  begin: () => Promise<void> | void;
  end: () => Promise<void> | void;
}): Promise<{ during: LogLine[]; lines: LogLine[] }> {
  const started = deferred();
  const release = deferred();
  const task = defineTask({
    name: 'ro.hold',
    queue: `ro-${Math.random().toString(36).slice(2, 8)}`,
    input: z.object({}),
    run: async () => {
      started.resolve();
      await release.promise;
    },
  });
  const shared = redisTransport({ url: redis.url, prefix: `ro-${task.queue}` });
  transports.push(shared);
  const client = createClient({ transport: shared });
  const logger = captureLogger();
  // A heartbeat of 1 s: the warning comes soon, and a renewal slowed by a busy machine does
  // not pass for the outage; a long lease, so that it outlasts a slow machine.
  const worker = createWorker({
    transport: shared,
    tasks: [task],
    logger,
    leaseMs: 10_000,
    heartbeatMs: 1_000,
  });
  const running = worker.start();
  let ended = false;
  try {
    await client.enqueue(task, {});
    await started.promise;
    const from = logger.lines.length;
    const after = () => logger.lines.slice(from);
    await outage.begin();
    await vi.waitFor(
      () => expect(after().some((line) => WARNING.test(line.message))).toBe(true),
      PATIENT,
    );
    await outage.end();
    ended = true;
    await vi.waitFor(
      () => expect(after().some((line) => line.message.startsWith(ANSWERED))).toBe(true),
      PATIENT,
    );
    return { during: after(), lines: logger.lines };
  } finally {
    if (!ended) await outage.end();
    release.resolve();
    await worker.stop({ graceMs: 0 });
    await running;
    await client.close();
  }
}

function expectOneWarningThenRecovery(during: LogLine[]): void {
  const renewals = during.filter((line) => /^(lease renewal|renew call)/.test(line.message));
  // One warning per outage, however many beats it lasted, then one line when it is over.
  expect(renewals.filter((line) => line.level === 'warn')).toHaveLength(1);
  expect(renewals.filter((line) => line.message.startsWith(ANSWERED))).toHaveLength(1);
  const warning = renewals.find((line) => line.level === 'warn');
  expect(warning?.message).toMatch(
    /^lease renewal (unanswered|failed \(.*\), unanswered) for \d+ ms: the broker may be unreachable .* 1 lease at risk: the first (runs out in|ran out) \d+ ms/,
  );
  expect(warning?.fields).toMatchObject({ leases: 1, leaseMs: 10_000, heartbeatMs: 1_000 });
  expect(typeof warning?.fields.waitedMs).toBe('number');
  expect(typeof warning?.fields.firstLeaseEndsInMs).toBe('number');
}

describe('a Redis outage while the worker holds leases', () => {
  it('is warned of once while the server hangs (SIGSTOP), and its end is logged once', async () => {
    const { during } = await holdThrough({
      begin: () => {
        process.kill(redis.pid as number, 'SIGSTOP');
      },
      end: () => {
        process.kill(redis.pid as number, 'SIGCONT');
      },
    });
    expectOneWarningThenRecovery(during);
  });

  it('is warned of once while the server is down, before ioredis gives up on the call', async () => {
    let restarted = false;
    const { during, lines } = await holdThrough({
      begin: () => redis.kill(),
      end: async () => {
        if (restarted) return;
        restarted = true;
        await redis.restart();
      },
    });
    expectOneWarningThenRecovery(during);
    // The server came back empty (no persistence): the job's lease is lost because its record
    // is gone, and the worker says that, not that a renewal came too late.
    const lost = during.filter((line) => line.message.startsWith('lease lost'));
    expect(lost).toHaveLength(1);
    expect(lost[0]?.message).toContain('the broker has no record of the job');
    expect(lost[0]?.message).toContain('restarted without persistence');
    expect(lost[0]?.message).not.toContain('ran out');
    expect(lost[0]?.fields).toMatchObject({ gone: true, phase: 'running' });
    // Its settle, once the task returned, is refused: the line says why, not "expired".
    const settle = lines.filter((line) => line.message.startsWith('settle rejected'));
    expect(settle).toHaveLength(1);
    expect(settle[0]?.message).toContain('the broker has no record of the job');
    expect(settle[0]?.message).not.toContain('expired');
  });
});

describe('Redis restarted empty while two jobs run', () => {
  it('says each job is gone, the one that ended in the outage too, and counts them apart from lost leases', async () => {
    const started = [deferred(), deferred()];
    const release = [deferred(), deferred()];
    let runs = 0;
    const task = defineTask({
      name: 'ro.two',
      queue: `ro-${Math.random().toString(36).slice(2, 8)}`,
      input: z.object({}),
      run: async () => {
        const run = runs++;
        started[run]?.resolve();
        await release[run]?.promise;
      },
    });
    const shared = redisTransport({ url: redis.url, prefix: `ro-${task.queue}` });
    transports.push(shared);
    const client = createClient({ transport: shared });
    const logger = captureLogger();
    const worker = createWorker({
      transport: shared,
      tasks: [task],
      logger,
      leaseMs: 10_000,
      heartbeatMs: 1_000,
      concurrency: 2,
    });
    const running = worker.start();
    let restarted = false;
    try {
      const ids = [(await client.enqueue(task, {})).id, (await client.enqueue(task, {})).id];
      await Promise.all(started.map((each) => each.promise));
      await redis.kill();
      await vi.waitFor(
        () => expect(logger.lines.some((line) => WARNING.test(line.message))).toBe(true),
        PATIENT,
      );
      // One run ends while the server is down: its settle waits for it to come back.
      release[0]?.resolve();
      restarted = true;
      await redis.restart();
      await vi.waitFor(() => {
        expect(logger.lines.some((line) => line.message.startsWith(ANSWERED))).toBe(true);
        expect(logger.lines.some((line) => line.message.startsWith('settle rejected'))).toBe(true);
      }, PATIENT);
      const settle = logger.lines.filter((line) => line.message.startsWith('settle rejected'));
      expect(settle).toHaveLength(1);
      expect(settle[0]?.message).toContain('the broker has no record of the job');
      expect(settle[0]?.message).not.toContain('another delivery');
      const lost = logger.lines.filter((line) => line.message.startsWith('lease lost'));
      expect(lost.map((line) => line.message)).toEqual([
        expect.stringContaining('the broker has no record of the job'),
      ]);
      const jobOf = (line: LogLine | undefined) => line?.fields.jobId;
      expect(new Set([jobOf(settle[0]), jobOf(lost[0])])).toEqual(new Set(ids));
      const answered = logger.lines.filter((line) => line.message.startsWith(ANSWERED));
      expect(answered).toHaveLength(1);
      expect(answered[0]?.message).not.toContain('run twice');
      expect(answered[0]?.message).toContain('gone from the broker during the outage');
      expect(answered[0]?.fields).toMatchObject({ lost: 0 });
    } finally {
      if (!restarted) await redis.restart();
      for (const each of release) each.resolve();
      await worker.stop({ graceMs: 0 });
      await running;
      await client.close();
    }
  });
});
