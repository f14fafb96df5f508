// createEnqueuer when part of Redis fails: found by outside fault testing on a 3-master
// Cluster, with one master shut down. The scripts are stand-ins: what is tested is which
// caller is told what.
import type { EnqueueRequest } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { createEnqueuer, type EnqueuerOptions } from '../src/enqueue.js';
import { RedisTransportError } from '../src/errors.js';
import { ENQUEUE_ONE_DEFERRED } from '../src/wire/enqueue-one.js';

const request = (queue: string, n: number): EnqueueRequest => ({
  envelope: makeEnvelope(queue, { input: { n } }),
});

/** A master that went away: the reply to the script was lost (its jobs may be stored). */
const lost = (queue: string) =>
  new RedisTransportError(
    'CLUSTER',
    'enqueue',
    new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'),
    queue,
  );

function enqueuer(overrides: Partial<EnqueuerOptions>) {
  const sent: string[] = [];
  const options: EnqueuerOptions = {
    enqueueScript: async (queue) => {
      sent.push(queue);
      return [];
    },
    enqueueOneScript: async (queue) => {
      sent.push(queue);
      return [];
    },
    registerQueues: async () => {},
    chunkSize: 1_000,
    defaultDedupeWindowMs: 86_400_000,
    packWaitingJobs: true,
    ...overrides,
  };
  return { enqueue: createEnqueuer(options), sent };
}

describe('the Redis enqueuer, when part of Redis fails', () => {
  it('fails only the calls whose own queue failed, of calls merged in one tick', async () => {
    const { enqueue } = enqueuer({
      enqueueScript: async (queue) => {
        if (queue === 'hq~1of4') throw lost(queue);
        return [];
      },
    });
    // Same tick: merged into one flush, one script call per queue.
    const healthy = enqueue([request('hq~0of4', 1)]);
    const down = enqueue([request('hq~1of4', 2)]);
    const both = enqueue([request('hq~0of4', 3), request('hq~1of4', 4)]);
    // Before: all three rejected ("The Redis Cluster is down … may have been stored"),
    // though hq~0of4's master had stored its jobs.
    await expect(healthy).resolves.toEqual([{ id: expect.any(String), duplicate: false }]);
    const error = await down.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisTransportError);
    expect(error).toMatchObject({
      mayBeStored: true,
      jobIds: [expect.stringMatching(/^hq~1of4:/)],
    });
    // A call with a job in the failed queue fails, naming all of its jobs.
    await expect(both).rejects.toMatchObject({
      mayBeStored: true,
      jobIds: [expect.any(String), expect.any(String)],
    });
  });

  it('says a call spanning queues was partly stored, when one of its script calls was refused', async () => {
    const oom = new RedisTransportError(
      'OOM',
      'enqueue',
      new Error("OOM command not allowed when used memory > 'maxmemory'."),
      'hq~2of3',
    );
    const { enqueue } = enqueuer({
      enqueueScript: async (queue) => {
        if (queue === 'hq~2of3') throw oom;
        return [];
      },
    });
    const jobs = [request('hq~1of3', 1), request('hq~2of3', 2), request('hq~1of3', 3)];
    // Before (review): OOM with mayBeStored false and no ids, though two of the three jobs were
    // stored on another master: a caller resending all three stored those twice.
    const error = (await enqueue(jobs).catch((caught: unknown) => caught)) as RedisTransportError;
    expect(error).toBeInstanceOf(RedisTransportError);
    expect(error).toMatchObject({ failure: 'OOM', mayBeStored: true });
    expect(error.jobIds).toEqual(jobs.map((job) => job.envelope.id));
    expect(error.message).toContain(
      'Part of the enqueue was stored: 2 of its 3 jobs went out in script calls that succeeded: look the jobs up by id before sending them again',
    );
    // Refused whole, it stays what it was: nothing was stored.
    const alone = await enqueue([request('hq~2of3', 4), request('hq~2of3', 5)]).catch(
      (caught: unknown) => caught,
    );
    expect(alone).toBe(oom);
  });

  it('answers a stored enqueue as stored when only the queue registry could not be written', async () => {
    const failures: Array<{ queues: readonly string[]; error: unknown }> = [];
    const refused = lost('conveyor:queues');
    const { enqueue, sent } = enqueuer({
      registerQueues: async () => {
        throw refused;
      },
      registrationFailed: (queues, error) => failures.push({ queues, error }),
    });
    // Before: the registry's error (`mayBeStored: false`, no ids) failed the call, though
    // the job was stored: a caller that resent it, as that error allows, stored it twice.
    const one = request('hq~0of4', 1);
    await expect(enqueue([one])).resolves.toEqual([{ id: one.envelope.id, duplicate: false }]);
    const many = [request('hq~2of4', 2), request('hq~3of4', 3)];
    await expect(enqueue(many)).resolves.toHaveLength(2);
    expect(sent).toEqual(['hq~0of4', 'hq~2of4', 'hq~3of4']);
    expect(failures).toEqual([
      { queues: ['hq~0of4'], error: refused },
      { queues: ['hq~2of4', 'hq~3of4'], error: refused },
    ]);
  });

  it('says nothing of the registry when the enqueue stored nothing: it fails with its own error', async () => {
    const failures: Array<{ queues: readonly string[] }> = [];
    const never = new RedisTransportError(
      'CONNECTION',
      'enqueue',
      new Error('connect ECONNREFUSED 127.0.0.1:6399'),
      'hq~0of4',
    );
    const { enqueue } = enqueuer({
      registerQueues: async () => {
        throw never;
      },
      enqueueOneScript: async () => {
        throw never;
      },
      enqueueScript: async () => {
        throw never;
      },
      registrationFailed: (queues) => failures.push({ queues }),
    });
    // Before: logged "could not add queue … to the registry …; the jobs were stored" beside
    // the enqueue's own "Nothing was sent" error.
    await expect(enqueue([request('hq~0of4', 1)])).rejects.toBeInstanceOf(RedisTransportError);
    await expect(enqueue([request('hq~0of4', 2), request('hq~1of4', 3)])).rejects.toBeInstanceOf(
      RedisTransportError,
    );
    expect(failures).toEqual([]);

    // The one-job script may defer the job to the merged path (it stored nothing): a merged
    // call that then fails stored nothing either.
    const deferred = enqueuer({
      registerQueues: async () => {
        throw never;
      },
      enqueueOneScript: async () => ENQUEUE_ONE_DEFERRED,
      enqueueScript: async () => {
        throw never;
      },
      registrationFailed: (queues) => failures.push({ queues }),
    });
    await expect(deferred.enqueue([request('hq~0of4', 4)])).rejects.toBeInstanceOf(
      RedisTransportError,
    );
    expect(failures).toEqual([]);
  });
});
