import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Check } from '../src/harness.js';
import { cancelMidRun } from '../src/scenarios/workflow-cancel.js';
import { fanInUnderKills } from '../src/scenarios/workflow-fan-in.js';
import { retryFromStep } from '../src/scenarios/workflow-retry.js';
import { withRig } from '../src/setup.js';

const dir = mkdtempSync(join(tmpdir(), 'chaos-workflows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The checks that did not hold, as `name: value (bound)`: empty when all held. */
const broken = (checks: readonly Check[]) =>
  checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail} (${c.bound})`);

// The workflow scenarios of `pnpm chaos`, reduced, on one rig (a private redis-server and two
// real worker processes, plus the one restarted after the kill): a fan-in over 100 children
// with one kill -9, then a cancel mid-run, then a retry from the failed step. Every wait is
// on a condition (the ledger, the workflow's record, the step jobs), with deadlines made
// for a busy 2-core machine.
it('proves the fan-in, cancel and retry of workflows against the ledger', async () => {
  const setup = {
    dir,
    workers: 2,
    worker: {
      concurrency: 5,
      leaseMs: 3_000,
      workflows: true,
      reserveWaitMs: 500,
      shutdownGraceMs: 5_000,
    },
  };
  const progress = () => {};
  await withRig(setup, async (rig) => {
    const fanIn = await fanInUnderKills(
      rig,
      { count: 100, kills: 1, minMs: 50, maxMs: 150 },
      progress,
    );
    expect(broken(fanIn.checks)).toEqual([]);
    expect(fanIn.figures.kills).toBe(1);

    const cancel = await cancelMidRun(rig, { count: 60, blockFrom: 30 }, progress);
    expect(broken(cancel.checks)).toEqual([]);

    const retry = await retryFromStep(rig, { count: 50 }, progress);
    expect(broken(retry.checks)).toEqual([]);
  });
});
