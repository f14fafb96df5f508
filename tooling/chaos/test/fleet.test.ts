import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { unexplainedDuplicates } from '../src/analysis.js';
import { produce, waitUntil } from '../src/harness.js';
import { enqueueWork } from '../src/scenarios/work.js';
import { withRig } from '../src/setup.js';

const dir = mkdtempSync(join(tmpdir(), 'chaos-fleet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// End to end on a small scale: a real worker process on a private redis-server, killed
// with SIGKILL mid-run; the ledger must show every job done, reruns only for jobs the
// killed process held. Every wait is on a condition (the ledger, the job records), with
// deadlines long enough for a busy 2-core machine; the lease is long enough that a live
// worker starved of CPU for a moment keeps its jobs.
it('counts a kill -9 of a real worker process from the ledger', async () => {
  const setup = {
    dir,
    workers: 1,
    worker: { concurrency: 5, leaseMs: 3_000, reserveWaitMs: 500, shutdownGraceMs: 5_000 },
  };
  await withRig(setup, async (rig) => {
    const [first] = rig.fleet.workers;
    if (!first) throw new Error('the rig started no worker');
    await produce({
      client: rig.client,
      ledger: rig.ledger,
      count: 40,
      batch: 40,
      intervalMs: 0,
      enqueue: enqueueWork(50, 100),
    });
    const started = () => [...rig.index().jobs.values()].some((j) => j.starts.length > 0);
    expect(await waitUntil(started, 120_000)).toBe(true);
    await rig.fleet.signal(first, 'SIGKILL');
    // Taken once it has exited: the victim runs on while the signal is on its way, and a
    // start it records in that moment is one the kill cut short, not an unexplained rerun.
    const killedAt = Date.now();
    await rig.fleet.spawn();
    expect(rig.ackedIds()).toHaveLength(40);
    const { final, index, counts } = await rig.finish({ timeoutMs: 120_000 });
    expect(final).toBe(true);
    expect(counts).toMatchObject({ acked: 40, lost: 0, unexpected: 0 });
    // Only what the killed process held (at most its concurrency) runs again.
    expect(counts.duplicated).toBeLessThanOrEqual(5);
    expect(unexplainedDuplicates(index, new Map([[first.pid, killedAt]]))).toEqual([]);
    expect(rig.fleet.crashes()).toEqual([]);
  });
});
