// A worker's prefetched jobs (leased, waiting for a slot) were listed under "is running" as
// "(attempt 1)", like the jobs it runs.
import type { WorkerRecord } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { describeStatus } from '../src/commands/status.js';
import type { StatusSnapshot, WorkerStatus } from '../src/commands/status-snapshot.js';

const worker = (stale: boolean): WorkerStatus => {
  const record: WorkerRecord = {
    id: 'w1',
    hostname: 'h',
    pid: 1,
    queues: ['emails'],
    tasks: ['mail.send'],
    concurrency: 1,
    state: 'running',
    startedAt: 0,
    jobs: [
      { id: 'emails:a', task: 'mail.send', attempt: 2, startedAt: 50_000 },
      { id: 'emails:b', task: 'mail.send', attempt: 1 },
    ],
    counts: { completed: 0, failed: 0, retried: 0 },
  };
  return { ...record, lastSeenAt: 0, heartbeatAgeMs: 0, stale };
};

const snapshot = (stale: boolean) =>
  ({
    at: 60_000,
    transport: 'memory',
    queues: [],
    workers: [worker(stale)],
  }) as unknown as StatusSnapshot;

describe('status lists what each worker holds', () => {
  it('the jobs it runs, with how long, apart from those prefetched and not started', () => {
    const text = describeStatus(snapshot(false)).join('\n');
    expect(text).toContain('w1 is running:\n  emails:a  mail.send (attempt 2, 10.0s)');
    expect(text).toContain(
      'w1 holds, prefetched and not started yet:\n  emails:b  mail.send (attempt 1)',
    );
    expect(describeStatus(snapshot(true)).join('\n')).toContain(
      'w1 held, prefetched and not started, when last seen:',
    );
  });
});
