// A Cluster master down that holds the worker records' key alone: status failed outright,
// though every queue's counts could be read. It now shows the queues and says the workers are
// unknown, rather than "No live workers".
import type { QueueCounts, TransportAdmin, WorkerRecord } from '@conveyor/core';
import { RedisTransportError } from '@conveyor/redis';
import { describe, expect, it } from 'vitest';
import { describeStatus } from '../src/commands/status.js';
import { takeSnapshot } from '../src/commands/status-snapshot.js';
import type { AdminConnection } from '../src/connection.js';

const down = new Error(
  '[conveyor] [redis] list-workers failed (CLUSTER): Too many Cluster redirections. Last error: ReplyError: MOVED 11472 127.0.0.1:27202.',
);

function connectionWith(admin: Partial<TransportAdmin>): AdminConnection {
  return {
    admin: admin as TransportAdmin,
    transport: { name: 'redis' },
    origin: { kind: 'redis', settings: { url: 'redis://127.0.0.1:27200', prefix: 'pt' } },
    clockOffsetMs: 0,
  } as unknown as AdminConnection;
}

const counts = (queue: string, waiting: number): QueueCounts => ({
  queue,
  waiting,
  delayed: 0,
  active: 0,
  dead: 0,
  finished: 0,
});

describe('status with the worker records unreadable', () => {
  it('shows the queues, and says the workers are unknown and why', async () => {
    const connection = connectionWith({
      listQueues: async () => ['emails'],
      listWorkers: async () => {
        throw down;
      },
      queueCounts: async (queues) => queues.map((queue) => counts(queue, 4)),
    });
    const snapshot = await takeSnapshot(connection, undefined, () => 0);
    expect(snapshot.queues.map((row) => [row.queue, row.waiting])).toEqual([['emails', 4]]);
    expect(snapshot.workers).toEqual([]);
    expect(snapshot.workersUnreadable).toBe(down.message);
    const lines = describeStatus(snapshot);
    expect(lines.at(-1)).toBe(
      'Workers unknown: their records could not be read ([conveyor] [redis] list-workers failed (CLUSTER): Too many Cluster redirections. Last error: ReplyError: MOVED 11472 127.0.0.1:27202). The queues above were read; run status again once the broker answers.',
    );
    expect(lines.join('\n')).not.toContain('No live workers');
  });

  it('still fails when the queue list cannot be read: there is nothing to show', async () => {
    const connection = connectionWith({
      listQueues: async () => {
        throw down;
      },
      listWorkers: async () => [],
      queueCounts: async () => [],
    });
    await expect(takeSnapshot(connection, undefined, () => 0)).rejects.toBe(down);
  });
});

// The queue list's master down: status failed, with no way to read the queues whose masters
// were up.
describe('status with the queue list unreadable', () => {
  const nodeDown = new RedisTransportError(
    'CLUSTER',
    'list-queues',
    new Error('Too many Cluster redirections. Last error: ReplyError: MOVED 4020 127.0.0.1:27201'),
  );
  const worker: WorkerRecord = {
    id: 'w1',
    hostname: 'h',
    pid: 1,
    queues: ['emails~0of2', 'emails~1of2'],
    tasks: ['mail.send'],
    concurrency: 1,
    state: 'running',
    startedAt: 0,
    jobs: [],
    counts: { completed: 0, failed: 0, retried: 0 },
  };
  const connection = connectionWith({
    listQueues: async () => {
      throw nodeDown;
    },
    listWorkers: async () => [worker],
    queueCounts: async (queues) => queues.map((queue) => counts(queue, 3)),
  });

  it('reads the queues --queues names, with the partitions the workers name, and says so', async () => {
    const snapshot = await takeSnapshot(connection, ['emails'], () => 0);
    expect(snapshot.queuesUnlisted).toBe(nodeDown.message);
    expect(snapshot.unknownQueues).toBeUndefined();
    expect(snapshot.queues).toMatchObject([
      {
        queue: 'emails',
        waiting: 6,
        partitions: [{ queue: 'emails~0of2' }, { queue: 'emails~1of2' }],
      },
    ]);
    const text = describeStatus(snapshot).join('\n');
    expect(text).toContain(
      'Only the queues --queues names were read: the list of queues could not be ([conveyor] [redis] list-queues failed (CLUSTER)',
    );
    expect(text).toContain("A partitioned queue shows the partitions the workers' records name");
  });

  // The advice's own command failed when a named partition was on the node that is down.
  it('leaves out a named partition on the node that is down, and reads the others', async () => {
    const partial = connectionWith({
      listQueues: async () => {
        throw nodeDown;
      },
      listWorkers: async () => [worker],
      queueCounts: async (queues) => {
        if (queues.includes('emails~1of2')) throw nodeDown;
        return queues.map((queue) => counts(queue, 3));
      },
    });
    const snapshot = await takeSnapshot(partial, ['emails'], () => 0);
    expect(snapshot.unreadableQueues).toEqual([{ queue: 'emails~1of2', error: nodeDown.message }]);
    expect(snapshot.queues).toMatchObject([{ queue: 'emails', waiting: 3 }]);
    // Every named queue on that node: the broker's failure, exit 3 as before.
    const none = connectionWith({
      listQueues: async () => {
        throw nodeDown;
      },
      listWorkers: async () => [worker],
      queueCounts: async () => {
        throw nodeDown;
      },
    });
    await expect(takeSnapshot(none, ['emails'], () => 0)).rejects.toBe(nodeDown);
  });

  it('without --queues, fails with exit 3 and says --queues reads what is up', async () => {
    const failed = await takeSnapshot(connection, undefined, () => 0).catch(
      (error: unknown) => error,
    );
    expect(failed).toMatchObject({ exitCode: 3 });
    expect((failed as Error).message).toContain('a master is down');
    expect((failed as Error).message).toContain(
      'The list of queues is on that node; meanwhile `conveyor status --queues <queue>,…` reads the queues it names from the masters that are up.',
    );
  });
});
