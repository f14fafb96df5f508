import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, silentLogger } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { startRedis } from '@conveyor/test-redis';
import { expect, it } from 'vitest';
import { countJobs, indexLedger, unexplainedDuplicates } from '../src/analysis.js';
import { createFleet } from '../src/fleet.js';
import { produce, readRecords, waitFinal, waitUntil } from '../src/harness.js';
import { openLedger, readLedger } from '../src/ledger.js';
import { enqueueWork } from '../src/scenarios/work.js';

// End to end on a small scale: a real worker process on a private redis-server, killed
// with SIGKILL mid-run; the ledger must show every job done, reruns only for jobs the
// killed process held. Every wait is on a condition (the ledger, the job records), with
// deadlines long enough for a busy 2-core machine; the lease is long enough that a live
// worker starved of CPU for a moment keeps its jobs.
it('counts a kill -9 of a real worker process from the ledger', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-fleet-'));
  const redis = await startRedis();
  const transport = redisTransport({ url: redis.url, prefix: 'chaos', logger: silentLogger });
  const ledger = openLedger(dir, 'harness');
  const fleet = createFleet({
    ledgerDir: dir,
    url: redis.url,
    prefix: 'chaos',
    queues: ['chaos'],
    concurrency: 5,
    leaseMs: 3_000,
    reserveWaitMs: 500,
    shutdownGraceMs: 5_000,
  });
  try {
    const first = await fleet.spawn();
    await produce({
      client: createClient({ transport }),
      ledger,
      count: 40,
      batch: 40,
      intervalMs: 0,
      enqueue: enqueueWork(50, 100),
    });
    const index = () => indexLedger(readLedger(dir));
    const started = () => [...index().jobs.values()].some((j) => j.starts.length > 0);
    expect(await waitUntil(started, 120_000)).toBe(true);
    const killedAt = Date.now();
    await fleet.signal(first, 'SIGKILL');
    await fleet.spawn();
    const ids = [...index().jobs.values()].filter((j) => j.ackedAt).map((j) => j.id);
    expect(ids).toHaveLength(40);
    expect(await waitFinal(transport, ids, 120_000)).toBe(true);
    const final = index();
    const counts = countJobs(final, { records: await readRecords(transport, ids) });
    expect(counts).toMatchObject({ acked: 40, lost: 0, unexpected: 0 });
    // Only what the killed process held (at most its concurrency) runs again.
    expect(counts.duplicated).toBeLessThanOrEqual(5);
    expect(unexplainedDuplicates(final, new Map([[first.pid, killedAt]]))).toEqual([]);
    expect(fleet.crashes()).toEqual([]);
  } finally {
    await fleet.stopAll(5_000);
    await transport.close();
    ledger.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
