import { expect, it } from 'vitest';
import { describeStatus } from '../src/commands/status.js';
import type { StatusSnapshot } from '../src/commands/status-snapshot.js';
import { followUp } from '../src/follow-up.js';
import { unreadWaitingLines } from '../src/unread-waiting.js';

const row = (
  queue: string,
  waiting: number,
  more: { paused?: boolean; partitions?: string[] } = {},
) => ({
  queue,
  waiting,
  paused: more.paused ?? false,
  ...(more.partitions ? { partitions: more.partitions.map((name) => ({ queue: name })) } : {}),
});
const worker = (queues: string[], stale = false) => ({ queues, stale });

it('names the queues with waiting jobs that no live worker reads, and how to read them', () => {
  // A job routed by hand to a queue no task names waited there for good, with no word.
  const lines = unreadWaitingLines(
    [row('emails', 4), row('emails-high', 3), row('reports', 0), row('held', 2, { paused: true })],
    [worker(['emails']), worker(['emails-high'], true)],
    followUp({ redis: 'redis://h:6379' }),
  );
  expect(lines).toEqual([
    'Note: queue "emails-high" has 3 waiting jobs and no live worker reads it (the live workers read emails): they wait until one does. A worker reads the queues its tasks name, or those --queues gives: start one that reads it, with the tasks of its jobs (`conveyor worker --queues emails-high --redis redis://h:6379`).',
  ]);
});

it('counts a partitioned queue as read when a worker reads its partitions, and says nothing with no live worker', () => {
  const partitioned = row('bulk', 5, { partitions: ['bulk~0of2', 'bulk~1of2'] });
  expect(
    unreadWaitingLines([partitioned], [worker(['bulk~0of2', 'bulk~1of2'])], followUp()),
  ).toEqual([]);
  // No live worker at all: status says to start one already.
  expect(unreadWaitingLines([row('emails', 1)], [worker(['x'], true)], followUp())).toEqual([]);
  expect(unreadWaitingLines([row('a', 1), row('b', 2)], [worker(['c'])], followUp())[0]).toMatch(
    /^Note: queues a, b have 3 waiting jobs and no live worker reads them .*`conveyor worker --queues a,b`\)\.$/,
  );
});

it('is said by status below the workers, whose queues column names a partitioned queue once', () => {
  const counts = { delayed: 0, active: 0, dead: 0, finished: 0, paused: false };
  const record = {
    id: 'w1',
    hostname: 'h',
    pid: 1,
    // Six stored names made a column 60 characters wide; a lone partition stays itself.
    queues: ['emails', 'bulk~0of3', 'bulk~1of3', 'bulk~2of3', 'solo~1of4'],
    tasks: ['mail.send'],
    concurrency: 1,
    state: 'running',
    startedAt: 0,
    jobs: [],
    counts: { completed: 0, failed: 0, retried: 0 },
    lastSeenAt: 0,
    heartbeatAgeMs: 0,
    stale: false,
  };
  const snapshot = {
    at: 60_000,
    transport: 'memory',
    queues: [
      { queue: 'emails', waiting: 1, ...counts },
      { queue: 'emails-high', waiting: 2, ...counts },
    ],
    workers: [record],
  } as unknown as StatusSnapshot;
  const text = describeStatus(snapshot).join('\n');
  expect(text).toMatch(/ emails,bulk \(3 partitions\),solo~1of4 /);
  expect(text).toContain(
    '\n\nNote: queue "emails-high" has 2 waiting jobs and no live worker reads it (the live workers read bulk, emails, solo)',
  );
});
