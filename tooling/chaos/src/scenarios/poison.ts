import type { Client } from '@conveyor/core';
import type { JobHistory } from '../analysis.js';
import {
  check,
  lostNotes,
  noneCheck,
  produce,
  type Scenario,
  type ScenarioResult,
  scenarioResult,
  waitFinal,
} from '../harness.js';
import { withRig } from '../setup.js';
import { poisonTask } from '../tasks.js';
import { enqueueWork } from './work.js';

/** Normal jobs per second, measured until 95 % of them were done (the lease-expiry tail is latency, not throughput). */
function throughput(histories: JobHistory[]): number {
  const starts = histories.flatMap((h) => h.starts.map((r) => r.t));
  const dones = histories
    .map((h) => h.dones[0]?.t)
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b);
  const upTo = Math.floor(dones.length * 0.95);
  const end = dones[upTo - 1];
  if (starts.length === 0 || end === undefined) return 0;
  return upTo / ((end - Math.min(...starts)) / 1000);
}

/**
 * Scenario 5: a job that SIGKILLs its worker on every attempt. A supervisor restarts the
 * worker each time; the job must end in the dead-letter set after its attempts while the
 * other jobs keep at least 90 % of the throughput they had without it.
 */
export function poisonJob(sandboxed: boolean): Scenario {
  const scenario: Scenario = {
    name: sandboxed ? 'poison-sandboxed' : 'poison',
    title: sandboxed ? 'poison job (sandbox: true)' : 'poison job (in-process)',
    run({ quick, dir, progress }) {
      const jobs = quick ? 700 : 6_000;
      const poisons = quick ? 1 : 3;
      const setup = {
        dir,
        workers: 3,
        respawnCrashed: true,
        worker: { leaseMs: 2_000, concurrency: 10, sandboxPoison: sandboxed },
      };
      return withRig(setup, async (rig): Promise<ScenarioResult> => {
        // I/O-bound jobs (100–200 ms), so that throughput is set by the run slots and not by
        // a CPU the 2-core box shares with every process the scenario starts.
        const enqueue = enqueueWork(100, 200);
        const isWork = (h: JobHistory) => h.seq !== undefined && h.seq < 1_000_000;
        // Baseline: the same load without the poison job.
        await produce({
          client: rig.client,
          ledger: rig.ledger,
          count: jobs,
          batch: 500,
          intervalMs: 0,
          enqueue,
        });
        const baselineIds = new Set(rig.ackedIds());
        await waitFinal(rig.transport, [...baselineIds], 120_000);
        const baseline = throughput([...rig.index().jobs.values()].filter(isWork));
        progress(`baseline ${baseline.toFixed(0)} jobs/s; now with ${poisons} poison job(s)`);
        // Poison first, so every one of its attempts falls inside the measured run.
        const poisonIds: string[] = [];
        for (let p = 0; p < poisons; p++) {
          const handle = await rig.client.enqueue(poisonTask, { seq: 1_000_000 + p });
          rig.ledger.write('enq', handle.id, 1_000_000 + p);
          poisonIds.push(handle.id);
        }
        await produce({
          client: rig.client,
          ledger: rig.ledger,
          count: jobs,
          firstSeq: jobs,
          batch: 500,
          intervalMs: 0,
          enqueue: (client: Client, seqs) => enqueue(client, seqs),
        });
        const poisonSet = new Set(poisonIds);
        const { index, records, counts } = await rig.finish({
          timeoutMs: 120_000,
          expected: (h) => (poisonSet.has(h.id) ? 'dead' : 'completed'),
        });
        const withPoison = throughput(
          [...index.jobs.values()].filter((h) => isWork(h) && !baselineIds.has(h.id)),
        );
        const dead = await rig.transport.admin.listDead('chaos', { limit: 100 });
        const deadPoison = dead.jobs.filter((j) => poisonSet.has(j.id));
        const reasons = [...new Set(deadPoison.map((j) => j.error?.code ?? 'none'))].join(',');
        const poisonStarts = poisonIds.reduce(
          (n, id) => n + (index.jobs.get(id)?.starts.length ?? 0),
          0,
        );
        // Deliveries count as attempts, whether or not the body got to run: two poison
        // jobs in one worker die together.
        const poisonAttempts = poisonIds.reduce((n, id) => n + (records.get(id)?.attempts ?? 0), 0);
        // In-process every poison run kills its worker; sandboxed, no worker may die.
        const unplanned = rig.fleet.crashes().length - (sandboxed ? 0 : poisonStarts);
        const ratio = baseline > 0 ? withPoison / baseline : 0;
        const checks = [
          check(
            'poison jobs dead-lettered',
            deadPoison.length === poisons,
            `${deadPoison.length}/${poisons} (${reasons})`,
            `= ${poisons}/${poisons}`,
          ),
          check(
            'poison deliveries (attempts)',
            poisonAttempts === poisons * 3,
            `${poisonAttempts} (${poisonStarts} bodies started)`,
            `= ${poisons * 3}`,
          ),
          noneCheck('other jobs lost', counts.lost),
          // In-process, the poison takes its whole worker (and every job it holds) down
          // with it: the figure is reported. The bound applies to the sandboxed run.
          check(
            'throughput vs baseline',
            !sandboxed || ratio >= 0.9,
            `${(ratio * 100).toFixed(0)} % (${withPoison.toFixed(0)}/${baseline.toFixed(0)} jobs/s)`,
            sandboxed ? '≥ 90 %' : 'report',
          ),
          noneCheck('unplanned worker exits', unplanned),
        ];
        // The poison job runs once per attempt by design.
        const duplicated = counts.duplicatedIds.filter((id) => !poisonSet.has(id)).length;
        return scenarioResult(
          scenario,
          { ...counts, duplicated },
          {
            checks,
            figures: {
              jobs,
              poisons,
              baselineJobsPerSec: Math.round(baseline),
              withPoisonJobsPerSec: Math.round(withPoison),
              throughputRatio: Number(ratio.toFixed(3)),
            },
            notes: lostNotes(counts, records),
          },
        );
      });
    },
  };
  return scenario;
}
