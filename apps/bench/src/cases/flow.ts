import type { BenchCase, CaseContext, RunOutcome } from '../case-types.js';
import { now } from '../payload.js';
import type { FlowSet, Flows, SystemAdapter } from '../systems/types.js';

const n = (value: number) => value.toLocaleString('en-US');

/** Generous: a flow slower than 100 children/s (plus 30 s) is reported as not finished. */
function timeoutFor(children: number): number {
  return 30_000 + (children / 100) * 1_000;
}

/**
 * Case 12 (issue 18): one parent with many children, timed from the harness's start call to
 * the worker's acknowledgement of the parent's completion. Conveyor runs a workflow (a `map`
 * stage of the children, then a fan-in step that receives their results in order); BullMQ a
 * `FlowProducer` flow (one parent job with the children, processed once they have all
 * completed, reading their values). One worker process at the same concurrency for both.
 * Bee-Queue has no parent/children jobs, so it does not run the case.
 */
export const flow: BenchCase = {
  id: 'flow',
  group: 12,
  title: 'One parent with many children (flows)',
  describe: (s) =>
    `one parent with ${n(s.flowChildren)} children that do nothing; one worker process at concurrency ${s.flowConcurrency}; timed from the start call (Conveyor: client.workflows.start of a map stage then a fan-in step; BullMQ: FlowProducer.add) to the parent's completion acknowledged, the parent having read all ${n(s.flowChildren)} results; Redis and worker CPU per child over the same window; Conveyor and BullMQ only (Bee-Queue has no flows)`,
  metrics: [
    { key: 'seconds', label: 'start to parent done', unit: 's', higherIsBetter: false },
    { key: 'startMs', label: 'start call', unit: 'ms', higherIsBetter: false },
    {
      key: 'redisCpuUsPerChild',
      label: 'Redis CPU',
      unit: 'µs/child',
      higherIsBetter: false,
      ratio: true,
    },
    { key: 'workerCpuUsPerChild', label: 'worker CPU', unit: 'µs/child', higherIsBetter: false },
  ],
  systems: ['conveyor', 'bullmq'],
  async run(system, context): Promise<RunOutcome> {
    const flows = await createFlows(system, context.url);
    try {
      return await runFlow(system, flows, context);
    } finally {
      await flows.close();
    }
  },
};

async function createFlows(system: SystemAdapter, url: string): Promise<Flows> {
  if (!system.createFlows) throw new Error(`[bench] ${system.label} has no flows`);
  return system.createFlows({ url });
}

async function runFlow(
  system: SystemAdapter,
  flows: Flows,
  { url, queue, sizes, probe, pool }: CaseContext,
): Promise<RunOutcome> {
  const set: FlowSet = { queue, children: sizes.flowChildren };
  let startAt = 0;
  let startMs = Number.NaN;
  let redisAtStart = Number.NaN;
  let redisAtEnd = Number.NaN;
  const result = await pool.run({
    system: system.name,
    processes: 1,
    consumer: { url, queue, concurrency: sizes.flowConcurrency, flow: set },
    until: (counts) => counts.parentAt > 0,
    timeoutMs: timeoutFor(set.children),
    // The worker is running and idle when the flow is added: the time is the flow's own.
    async afterStart() {
      redisAtStart = await probe.cpuMs();
      startAt = now();
      await flows.start(set);
      startMs = now() - startAt;
    },
    async onReached() {
      redisAtEnd = await probe.cpuMs();
    },
  });
  const values = {
    seconds: (result.parentAt - startAt) / 1_000,
    startMs,
    redisCpuUsPerChild: ((redisAtEnd - redisAtStart) * 1_000) / set.children,
    workerCpuUsPerChild: result.cpuMicros / set.children,
  };
  if (!result.reached) {
    return {
      values,
      invalid: `the parent had not completed ${Math.round(timeoutFor(set.children) / 1_000)} s after the start (${result.completed} jobs completed)`,
    };
  }
  const outcome = await flows.outcome();
  if (!outcome) return { values, invalid: 'the parent is not stored as completed' };
  if (outcome.count !== set.children || outcome.misplaced > 0) {
    return {
      values,
      invalid: `the parent received ${outcome.count} of ${set.children} results, ${outcome.misplaced} not the child's value at its place`,
    };
  }
  return { values };
}
