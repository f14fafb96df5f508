import type { WorkerRecord } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import type { WorkerStatus } from '../src/commands/status.js';
import { cli, json, producer, uniquePrefix, usePrivateRedis } from './helpers.js';

const redis = usePrivateRedis();

function workerRecord(id: string, heartbeatMs?: number): WorkerRecord {
  return {
    id,
    hostname: 'box',
    pid: 4242,
    queues: ['cli-stale'],
    tasks: ['cli.echo'],
    concurrency: 2,
    state: 'running',
    startedAt: Date.now() - 60_000,
    jobs: [{ id: 'cli-stale:abc', task: 'cli.echo', attempt: 1, startedAt: Date.now() - 1_000 }],
    counts: { completed: 5, failed: 0, retried: 0 },
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
  };
}

/**
 * Stores a record as a worker killed `ageMs` ago left it: last refreshed then (on Redis'
 * clock, as the put-worker script stamps it), its expiry not reached yet.
 */
async function leftBehind(prefix: string, record: WorkerRecord, ageMs: number): Promise<number> {
  const [seconds, micros] = await redis.raw.time();
  const now = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
  const heartbeatAt = now - ageMs;
  await redis.raw.hset(
    `${prefix}:{@workers}:records`,
    record.id,
    JSON.stringify({ ...record, heartbeatAt }),
  );
  await redis.raw.zadd(`${prefix}:{@workers}:expiry`, now + 60_000, record.id);
  return heartbeatAt;
}

describe('conveyor status: workers', () => {
  it('shows when each worker was last seen, and marks one that missed its heartbeat stale', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    const args = ['--redis', redis.url, '--prefix', prefix];
    try {
      // A 30 s heartbeat: stale only after 60 s, however slowly a busy machine starts the CLI.
      await env.transport.admin?.putWorker(workerRecord('fresh', 30_000), 60_000);
      const killedAt = await leftBehind(prefix, workerRecord('killed', 2_000), 20_000);
      // A record from before the interval was stored: judged by the old 10 s heartbeat.
      await leftBehind(prefix, workerRecord('old-version'), 5_000);

      const human = await cli(['status', ...args]);
      expect(human.code).toBe(0);
      const lines = human.stdout.split('\n');
      expect(lines).toContain('3 workers (1 stale):');
      const header = lines.find((line) => line.startsWith('WORKER'));
      expect(header).toMatch(/\sSTATE\s.*\sLAST SEEN$/);
      // Seen moments ago: milliseconds, or seconds when the machine is busy.
      expect(lines.find((line) => line.startsWith('fresh'))).toMatch(
        /^fresh\s+box\s+4242\s+running\s.*\s(\d+ms|\d{1,2}\.\ds) ago$/,
      );
      expect(lines.find((line) => line.startsWith('killed'))).toMatch(
        /^killed\s+box\s+4242\s+STALE\s.*\s2\d\.\ds ago$/,
      );
      expect(lines.find((line) => line.startsWith('old-version'))).toMatch(
        /^old-version\s+box\s+4242\s+running\s/,
      );
      expect(human.stdout).toContain('STALE: no heartbeat for about two of its intervals.');
      expect(human.stdout).toContain('killed was running when last seen:');
      expect(human.stdout).toContain('fresh is running:');

      const machine = json<{ workers: WorkerStatus[] }>(await cli(['status', '--json', ...args]));
      const byId = new Map(machine.workers.map((worker) => [worker.id, worker]));
      expect(byId.get('fresh')).toMatchObject({ stale: false, heartbeatMs: 30_000 });
      expect(byId.get('killed')).toMatchObject({ stale: true, lastSeenAt: killedAt });
      expect(byId.get('killed')?.heartbeatAgeMs).toBeGreaterThanOrEqual(20_000);
      expect(byId.get('old-version')).toMatchObject({ stale: false });
    } finally {
      await env.close();
    }
  });
});
