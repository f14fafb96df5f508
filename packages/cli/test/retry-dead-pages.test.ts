// `conveyor retry --all-dead` on a dead-letter set larger than a page: it reads and retries a
// page at a time, retries every other job exactly once while jobs leave (and join) the set
// under it, leaves workflow step jobs dead, and says how far it got on stderr.
import {
  type JobEnvelope,
  type JobRecord,
  memoryTransport,
  silentLogger,
  type Transport,
  type TransportAdmin,
} from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { redisTransport } from '@conveyor/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { purgeQueue } from '../src/commands/purge.js';
import { DEAD_PAGE, PROGRESS_EVERY, retryAllDead } from '../src/commands/retry-dead.js';
import type { AdminConnection } from '../src/connection.js';
import { interruptNote } from '../src/interrupt-note.js';
import type { Io } from '../src/output.js';
import { cli, json, uniquePrefix, usePrivateRedis } from './helpers.js';

const QUEUE = 'cli-pages';
const redis = usePrivateRedis();

const opened: Transport[] = [];
afterEach(async () => {
  for (const transport of opened.splice(0)) await transport.close();
});

function memory(): Transport {
  const transport = memoryTransport();
  opened.push(transport);
  return transport;
}

function onRedis(prefix = uniquePrefix()): Transport {
  const transport = redisTransport({ url: redis.url, prefix, logger: silentLogger });
  opened.push(transport);
  return transport;
}

/**
 * `count` dead jobs of QUEUE, dead-lettered in order; every `stepEvery`th is a workflow step
 * job (of one of 7 workflows). Answers the plain jobs' ids, and the step jobs' with their
 * workflows in the order their first step job died.
 */
async function bury(transport: Transport, count: number, stepEvery: number) {
  const envelopes: JobEnvelope[] = [];
  for (let i = 0; i < count; i++) {
    const step = i % stepEvery === stepEvery - 1;
    const workflow = {
      id: `wf_pages${((i / stepEvery) % 7) | 0}`,
      step: 'second',
      kind: 'run' as const,
    };
    envelopes.push(makeEnvelope(QUEUE, { task: 'cli.plain', ...(step ? { workflow } : {}) }));
  }
  for (let start = 0; start < count; start += 1_000) {
    const batch = envelopes.slice(start, start + 1_000);
    await transport.enqueue(batch.map((envelope) => ({ envelope })));
    // One at a time, so the dead-letter order is the enqueue order.
    for (;;) {
      const held = await transport.reserve({
        queues: [QUEUE],
        max: 500,
        leaseMs: 60_000,
        consumer: 'cli-test',
      });
      if (held.length === 0) break;
      const error = { name: 'Error', message: 'broke' };
      await transport.settle(
        held.map((h) => ({
          type: 'fail',
          id: h.envelope.id,
          token: h.token,
          error,
          deadLetter: true,
        })),
      );
    }
  }
  const plain = envelopes.filter((e) => !e.workflow).map((e) => e.id);
  const steps = envelopes.filter((e) => e.workflow).map((e) => e.id);
  const workflows = [...new Set(envelopes.flatMap((e) => (e.workflow ? [e.workflow.id] : [])))];
  return { plain, steps, workflows };
}

/**
 * The admin calls a run makes, watched: the pages it read (listJobs or listDead) and the
 * ids it retried; `before` runs ahead of each retryDead call, as another operator would.
 */
function watch(
  transport: Transport,
  before?: (call: number, ids: readonly string[]) => Promise<void>,
) {
  const admin = transport.admin as TransportAdmin;
  const { listJobs, listDead, retryDead } = {
    listJobs: admin.listJobs.bind(admin),
    listDead: admin.listDead.bind(admin),
    retryDead: admin.retryDead.bind(admin),
  };
  const pages: Array<{ limit: number; jobs: JobRecord[] }> = [];
  const retried: string[] = [];
  let calls = 0;
  admin.listJobs = async (queue, options) => {
    const page = await listJobs(queue, options);
    pages.push({ limit: options.limit ?? 50, jobs: page.jobs });
    return page;
  };
  admin.listDead = async (queue, options) => {
    const page = await listDead(queue, options);
    pages.push({ limit: options?.limit ?? 100, jobs: page.jobs });
    return page;
  };
  admin.retryDead = async (queue, ids) => {
    calls++;
    if (ids === undefined) throw new Error('retryDead without ids: that reads the whole set');
    await before?.(calls, ids);
    retried.push(...ids);
    return retryDead(queue, ids);
  };
  return {
    pages,
    retried,
    /** The largest page any read asked for. */
    largestRead: () => Math.max(...pages.map((page) => page.limit)),
    /** A step job the run read on its first page. */
    firstPageStep: () => pages[0]?.jobs.find((job) => job.envelope.workflow)?.id as string,
  };
}

async function run(
  transport: Transport,
  options: { json?: boolean } = { json: true },
  terminal: { progress?: boolean; admin?: TransportAdmin } = { progress: true },
) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    interactive: false,
    progress: terminal.progress,
    confirm: async () => false,
    env: {},
    cwd: process.cwd(),
  };
  const connection: AdminConnection = {
    transport,
    admin: terminal.admin ?? (transport.admin as TransportAdmin),
    origin: { kind: 'config', file: 'conveyor.config.ts', label: 'conveyor.config.ts' },
    clockOffsetMs: 0,
    close: async () => {},
  };
  await retryAllDead(connection, QUEUE, { yes: true, ...options }, io);
  return { stdout: out.join('\n'), stderr: err };
}

async function states(transport: Transport, ids: readonly string[]) {
  const records = await Promise.all(ids.map((id) => transport.getJob(id)));
  return records.map((record) => `${record?.state}/${record?.attempts}`);
}

describe('conveyor retry --all-dead, a page at a time (memory transport)', () => {
  it('retries 2,250 of 2,500 dead jobs once each in pages, and leaves the 250 step jobs dead', async () => {
    const transport = memory();
    const { plain, steps, workflows } = await bury(transport, 2_500, 10);
    const watched = watch(transport);

    const result = await run(transport);
    expect(JSON.parse(result.stdout)).toEqual({
      queue: QUEUE,
      retried: 2_250,
      paused: [],
      skippedStepJobs: 250,
      workflows,
    });
    expect(result.stderr).toEqual([]);
    // Every plain job once, no step job; read in pages no larger than DEAD_PAGE.
    expect([...watched.retried].sort()).toEqual([...plain].sort());
    expect(watched.largestRead()).toBeLessThanOrEqual(DEAD_PAGE);
    expect(watched.pages.length).toBeGreaterThanOrEqual(Math.ceil(2_500 / DEAD_PAGE));
    expect(new Set(await states(transport, plain))).toEqual(new Set(['waiting/0']));
    expect(new Set(await states(transport, steps))).toEqual(new Set(['dead/1']));
  });

  it('skips and repeats no job while others purge or retry jobs of the set meanwhile', async () => {
    const transport = memory();
    const { plain, steps } = await bury(transport, 2_500, 10);
    const admin = transport.admin as TransportAdmin;
    expect(steps).toHaveLength(250);
    /** The other operator's retry, not watched. */
    const retryElsewhere = admin.retryDead.bind(admin);
    const gone: string[] = [];
    const watched = watch(transport, async (call, ids) => {
      // Another operator acts between this run's reads and its retries: on the first page,
      // purges one of the jobs read; on the second, purges a step job the first page read
      // and retries a plain job from the middle of the set, which no page has reached.
      if (call === 1) {
        gone.push(ids[0] as string);
        await admin.purgeDead(QUEUE, [ids[0] as string]);
      }
      if (call === 2) {
        await admin.purgeDead(QUEUE, [watched.firstPageStep()]);
        expect(await retryElsewhere(QUEUE, [plain[1_000] as string])).toBe(1);
      }
    });

    const result = JSON.parse((await run(transport)).stdout);
    // The purged job and the one the other operator retried are not this run's.
    expect(result).toMatchObject({ retried: 2_250 - 2, skippedStepJobs: 250 });
    expect(watched.retried).not.toContain(plain[1_000]);
    const counted = new Map<string, number>();
    for (const id of watched.retried) counted.set(id, (counted.get(id) ?? 0) + 1);
    expect([...counted.values()].every((n) => n === 1)).toBe(true);
    const left = plain.filter((id) => !gone.includes(id));
    expect(new Set(await states(transport, left))).toEqual(new Set(['waiting/0']));
    expect((await admin.queueCounts([QUEUE]))[0]?.dead).toBe(249);
  });

  it('does not retry twice a job that dies again during the run', async () => {
    const transport = memory();
    const { plain } = await bury(transport, 1_200, 1_000_000);
    let again: string | undefined;
    watch(transport, async (call) => {
      if (call !== 2) return;
      // A worker takes one of the jobs retried by the first page and it dies again.
      const [held] = await transport.reserve({
        queues: [QUEUE],
        max: 1,
        leaseMs: 60_000,
        consumer: 'cli-test',
      });
      if (!held) throw new Error('nothing was retried');
      again = held.envelope.id;
      const error = { name: 'Error', message: 'again' };
      await transport.settle([
        { type: 'fail', id: again, token: held.token, error, deadLetter: true },
      ]);
    });
    const result = JSON.parse((await run(transport)).stdout);
    expect(result.retried).toBe(1_200);
    expect(again).toBeDefined();
    expect((await transport.getJob(again as string))?.state).toBe('dead');
    const others = plain.filter((id) => id !== again);
    expect(new Set(await states(transport, others))).toEqual(new Set(['waiting/0']));
  });

  it(`prints progress on stderr every ${PROGRESS_EVERY} jobs, and one JSON document on stdout`, async () => {
    const transport = memory();
    const total = 2 * PROGRESS_EVERY + 500;
    await bury(transport, total, 1_000_000);
    const result = await run(transport);
    expect(JSON.parse(result.stdout)).toEqual({
      queue: QUEUE,
      retried: total,
      paused: [],
      skippedStepJobs: 0,
      workflows: [],
    });
    expect(result.stderr).toEqual([
      `Retrying dead jobs of queue ${QUEUE}: ${PROGRESS_EVERY} of about ${total} read, ${PROGRESS_EVERY} retried.`,
      `Retrying dead jobs of queue ${QUEUE}: ${2 * PROGRESS_EVERY} of about ${total} read, ${2 * PROGRESS_EVERY} retried.`,
    ]);
  });
});

describe('conveyor retry --all-dead, on a pipe and interrupted', () => {
  it('prints no progress when stderr is not a terminal', async () => {
    // A pipe or log file got "Retrying dead jobs of queue …: 10000 of about … read" lines.
    const transport = memory();
    const total = PROGRESS_EVERY + 500;
    await bury(transport, total, 1_000_000);
    const result = await run(transport, { json: true }, { progress: false });
    expect(JSON.parse(result.stdout)).toMatchObject({ retried: total });
    expect(result.stderr).toEqual([]);
  });

  it('leaves the line an interrupt prints: how many it retried, and to run it again', async () => {
    // Ctrl-C exited 130 and said nothing of the jobs already retried.
    const transport = memory();
    await bury(transport, 2_500, 1_000_000);
    const admin = transport.admin as TransportAdmin;
    const notes: Array<string | undefined> = [];
    const watched: TransportAdmin = Object.create(admin);
    watched.retryDead = async (queue, ids) => {
      notes.push(interruptNote());
      return admin.retryDead(queue, ids);
    };
    await run(transport, { json: true }, { admin: watched });
    const line = (done: number) =>
      `Interrupted: ${done} of about 2500 dead jobs of queue ${QUEUE} retried; run the same command again to continue.`;
    expect(notes.slice(0, 3)).toEqual([line(0), line(DEAD_PAGE), line(2 * DEAD_PAGE)]);
    // Done: an interrupt now has nothing to add.
    expect(interruptNote()).toBeUndefined();
  });

  it('purge leaves one too, partition by partition', async () => {
    const transport = memory();
    const admin = transport.admin as TransportAdmin;
    const queues = [0, 1, 2].map((n) => `${QUEUE}-p~${n}of3`);
    for (const queue of queues) {
      await transport.enqueue([{ envelope: makeEnvelope(queue, { task: 'cli.plain' }) }]);
    }
    const notes: Array<string | undefined> = [];
    const watched: TransportAdmin = Object.create(admin);
    watched.purgeQueue = async (queue) => {
      notes.push(interruptNote());
      return admin.purgeQueue(queue);
    };
    const io: Io = {
      stdout: () => {},
      stderr: () => {},
      interactive: false,
      confirm: async () => false,
      env: {},
      cwd: process.cwd(),
    };
    const connection: AdminConnection = {
      transport,
      admin: watched,
      origin: { kind: 'config', file: 'conveyor.config.ts', label: 'conveyor.config.ts' },
      clockOffsetMs: 0,
      close: async () => {},
    };
    await purgeQueue(connection, `${QUEUE}-p`, { yes: true }, io);
    expect(notes[1]).toBe(
      `Interrupted: queue ${QUEUE}-p (3 partitions) partly purged (1 of 3 partitions done, 1 job deleted in them); run the same command again to finish.`,
    );
    expect(interruptNote()).toBeUndefined();
  });
});

describe('conveyor retry --all-dead, a page at a time (Redis)', () => {
  it('retries 2,400 of 2,500 dead jobs and leaves the 100 step jobs dead', async () => {
    const prefix = uniquePrefix();
    const transport = onRedis(prefix);
    const { plain, steps, workflows } = await bury(transport, 2_500, 25);
    const args = ['--redis', redis.url, '--prefix', prefix];

    const result = await cli(['retry', '--all-dead', '--queue', QUEUE, '--yes', '--json', ...args]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(json(result)).toEqual({
      queue: QUEUE,
      retried: 2_400,
      paused: [],
      skippedStepJobs: 100,
      workflows,
    });
    expect(new Set(await states(transport, plain))).toEqual(new Set(['waiting/0']));
    expect(new Set(await states(transport, steps))).toEqual(new Set(['dead/1']));
    expect((await transport.admin?.queueCounts([QUEUE]))?.[0]).toMatchObject({
      waiting: 2_400,
      dead: 100,
    });
  });

  it('pages with a cursor: a job purged between read and retry makes it skip no other', async () => {
    const transport = onRedis();
    const { plain, steps } = await bury(transport, 2_500, 25);
    const admin = transport.admin as TransportAdmin;
    const gone: string[] = [];
    const watched = watch(transport, async (call, ids) => {
      if (call === 1) {
        gone.push(ids[0] as string);
        await admin.purgeDead(QUEUE, [ids[0] as string]);
      }
      if (call === 2) await admin.purgeDead(QUEUE, [watched.firstPageStep()]);
    });
    const result = JSON.parse((await run(transport)).stdout);
    expect(steps).toHaveLength(100);
    expect(result).toMatchObject({ retried: 2_399, skippedStepJobs: 100 });
    expect(watched.largestRead()).toBeLessThanOrEqual(DEAD_PAGE);
    const left = plain.filter((id) => !gone.includes(id));
    expect(new Set(await states(transport, left))).toEqual(new Set(['waiting/0']));
    expect((await admin.queueCounts([QUEUE]))[0]?.dead).toBe(99);
  });
});
