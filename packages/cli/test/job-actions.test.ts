// retry, cancel and dead at their edges: a workflow's step job (which only its workflow's
// retry runs again), a finished job's cancel, a partition's job with its queue's name, and a
// queue name nothing has used; and the list of failed workflows to retry. Against a private
// Redis, as an operator runs them.
import {
  defineTask,
  defineWorkflow,
  type JobEnvelope,
  newWorkflowId,
  planForRun,
  workflowPlan,
} from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { applyWorkflowEffects } from '@conveyor/core/worker';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buryNext, cli, json, producer, startCli, uniquePrefix } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const QUEUE = 'cli-work';
const first = defineTask({ name: 'cli.first', queue: QUEUE, input: z.unknown(), run: () => 1 });
const second = defineTask({ name: 'cli.second', queue: QUEUE, input: z.unknown(), run: () => 2 });
const twoSteps = defineWorkflow({
  name: 'cli.twoSteps',
  input: z.object({ n: z.number() }),
  steps: (flow) => flow.step('first', first).step('second', second),
});

async function setup() {
  const prefix = uniquePrefix();
  const conn = producer(redis.url, prefix);
  const args = ['--redis', redis.url, '--prefix', prefix];
  /** Jobs enqueued straight to `queue` (a partition's name too), as a producer stores them. */
  const enqueue = async (queue: string, count: number) => {
    const envelopes: JobEnvelope[] = [];
    for (let i = 0; i < count; i++) envelopes.push(makeEnvelope(queue, { task: 'cli.plain' }));
    await conn.transport.enqueue(envelopes.map((envelope) => ({ envelope })));
    return envelopes.map((e) => e.id);
  };
  /** One delivery of the next job of `queue`, into the dead-letter set. */
  const bury = (queue: string) => buryNext(conn.transport, queue);
  /**
   * A workflow failed at step "second" as a worker leaves it: the job of "first" ran and
   * completed, then that of "second" died, its failure recorded first. Answers the ids.
   */
  const failedWorkflow = async (deadLetter = true) => {
    const { workflows } = conn.transport;
    const id = newWorkflowId();
    const plan = planForRun(workflowPlan(twoSteps), id);
    const started = await workflows.start({ id, plan, input: { n: 1 } });
    await applyWorkflowEffects(conn.transport, id, started);
    /** The worker's order: reserve, claim, (run), record, enqueue the outbox, settle. */
    const run = async (step: string, ok: boolean): Promise<string> => {
      const [held] = await conn.transport.reserve({
        queues: [QUEUE],
        max: 1,
        leaseMs: 60_000,
        consumer: 'cli-test',
      });
      if (held?.envelope.workflow?.step !== step) throw new Error(`no job of step ${step}`);
      await workflows.claim(id, { step });
      const error = { name: 'Error', message: 'broke' };
      const outcome = ok ? { ok: true as const, result: 1 } : { ok: false as const, error };
      await applyWorkflowEffects(conn.transport, id, await workflows.record(id, { step }, outcome));
      const { id: jobId } = held.envelope;
      await conn.transport.settle([
        ok
          ? { type: 'complete', id: jobId, token: held.token, result: 1 }
          : { type: 'fail', id: jobId, token: held.token, error, deadLetter },
      ]);
      return jobId;
    };
    await run('first', true);
    const stepJob = await run('second', false);
    expect((await workflows.get(id))?.status).toBe('failed');
    expect((await conn.transport.getJob(stepJob))?.state).toBe(deadLetter ? 'dead' : 'failed');
    return { id, stepJob };
  };
  return { args, enqueue, bury, failedWorkflow, ...conn };
}

describe('conveyor retry on a workflow step job', () => {
  // A step job that failed for good without a dead-letter: told to enqueue it anew, which runs
  // the task outside its workflow. It is the workflow's to run again, as a dead one is.
  it('refuses a failed (not dead) step job as a dead one, without the dead-letter advice', async () => {
    const env = await setup();
    try {
      const { id, stepJob } = await env.failedWorkflow(false);
      const refused = await cli(['retry', stepJob, ...env.args]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`Use \`conveyor workflows retry ${id} `);
      expect((await cli(['workflows', 'retry', id, ...env.args])).code).toBe(0);
      const after = await cli(['retry', stepJob, ...env.args]);
      expect(after.code).toBe(7);
      expect(after.stderr).toContain(
        'The job stays as a record of the failed attempt until its result TTL passes.',
      );
      expect(after.stderr).not.toContain('dead-letter');
    } finally {
      await env.close();
    }
  });

  it('refuses it, exit 2, naming its workflow and `conveyor workflows retry`', async () => {
    const env = await setup();
    try {
      const { id, stepJob } = await env.failedWorkflow();
      expect(stepJob).toBe(`${QUEUE}:${id}.second`);
      // The commands it suggests carry the transport options given: --redis and --prefix.
      const flags = env.args.join(' ');
      for (const extra of [[], ['--json']]) {
        const refused = await cli(['retry', stepJob, ...extra, ...env.args]);
        expect(refused.code).toBe(2);
        expect(refused.stdout).toBe('');
        expect(refused.stderr).toBe(
          `error: Job "${stepJob}" is a step job of workflow ${id} (step "second"): \`conveyor retry\` would not run it again, as its workflow recorded the step's outcome. Use \`conveyor workflows retry ${id} ${flags}\`, which runs a failed workflow's failed steps again with new jobs (\`conveyor inspect ${id} ${flags}\` shows its status).\n`,
        );
      }
      // Left as it was: dead, its workflow failed; the workflow's retry still works.
      expect((await env.transport.getJob(stepJob))?.state).toBe('dead');
      expect((await env.transport.workflows.get(id))?.status).toBe('failed');
      const retried = await cli(['workflows', 'retry', id, '--json', ...env.args]);
      expect(json(retried)).toEqual({
        workflow: id,
        status: 'running',
        enqueuedJobs: [`${stepJob}.r1`],
      });
      // Once the workflow was retried, the old step job's hint led to "is running (or
      // completed), not failed": it now says nothing is left to retry.
      const after = await cli(['retry', stepJob, ...env.args]);
      expect(after.code).toBe(7);
      expect(after.stderr).toBe(
        `error: Job "${stepJob}" is a step job of workflow ${id} (step "second"), and that workflow is running now: nothing is left to retry, and the step will not run again. The job stays in the dead-letter set as a record of the failed attempt, until \`conveyor purge ${QUEUE} --dead ${flags}\` (which deletes every dead job of the queue).\n`,
      );
      // A step job that completed is not dead: it said "stays in the dead-letter set".
      const completed = await cli(['retry', `${QUEUE}:${id}.first`, ...env.args]);
      expect(completed.code).toBe(7);
      expect(completed.stderr).toContain('is completed, not dead');
      expect(completed.stderr).not.toContain('dead-letter set');
    } finally {
      await env.close();
    }
  });

  it('dead says which of the jobs it lists are step jobs, and how their workflows are retried', async () => {
    // Its footer offered `conveyor retry <job-id>` for them, which refuses a step job.
    const env = await setup();
    try {
      const { id } = await env.failedWorkflow();
      const [plain] = await env.enqueue(QUEUE, 1);
      expect(await env.bury(QUEUE)).toBe(plain);
      const listed = await cli(['dead', QUEUE, ...env.args]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(
        `1 of them is a workflow step job: retry its workflow with \`conveyor workflows retry <id> ${env.args.join(' ')}\` (${id}).\n`,
      );
      // Once the workflow is no longer failed, `dead` sent the reader to a retry that refuses
      // ("running, not failed"): it says nothing is left to retry, as `retry` does.
      await cli(['workflows', 'retry', id, ...env.args]);
      await cli(['retry', plain as string, ...env.args]);
      const after = await cli(['dead', QUEUE, ...env.args]);
      expect(after.code).toBe(0);
      expect(after.stdout).not.toContain('workflows retry');
      expect(after.stdout).toContain(
        `The workflow ${id} (running) is no longer failed: nothing is left to retry for its step jobs`,
      );
      // Every dead job left is that step job: no `conveyor retry <job-id>` hint either.
      expect(after.stdout).toMatch(/\n1 of 1 dead job shown \(offset 0\)\.\n$/);
      expect(after.stdout).not.toContain('Retry with');
    } finally {
      await env.close();
    }
  });

  it('--all-dead says which skipped step jobs have a workflow that is no longer failed', async () => {
    // It sent the reader to `workflows retry` for every one, which then answered "is
    // running (or completed), not failed" for a workflow retried since.
    const env = await setup();
    try {
      const a = await env.failedWorkflow();
      const b = await env.failedWorkflow();
      expect((await cli(['workflows', 'retry', a.id, ...env.args])).code).toBe(0);
      const flags = env.args.join(' ');
      const dry = await cli(['retry', '--all-dead', '--queue', QUEUE, '--dry-run', ...env.args]);
      expect(dry.code).toBe(0);
      // `--all`, as promote spells it, is the same option.
      const all = await cli(['retry', '--all', '--queue', QUEUE, '--dry-run', ...env.args]);
      expect(all).toEqual(dry);
      expect(dry.stdout).toBe(
        `Dry run: would retry 0 dead jobs of queue ${QUEUE}.\nWould skip 2 workflow step jobs, left dead: \`conveyor retry\` would not run them again. Retry their workflow with \`conveyor workflows retry <id> ${flags}\`: ${b.id}.\nThe workflow ${a.id} (running) is no longer failed: nothing is left to retry for its step jobs, which would stay dead as a record of the failed attempt until \`conveyor purge ${QUEUE} --dead ${flags}\` (every dead job of the queue).\nNothing was changed.\n`,
      );
    } finally {
      await env.close();
    }
  });

  it('--all-dead retries the other dead jobs and says how many step jobs it skipped', async () => {
    const env = await setup();
    try {
      const a = await env.failedWorkflow();
      const b = await env.failedWorkflow();
      const [plain] = await env.enqueue(QUEUE, 1);
      expect(await env.bury(QUEUE)).toBe(plain);

      const human = await cli(['retry', '--all-dead', '--queue', QUEUE, '-y', ...env.args]);
      expect(human.code).toBe(0);
      expect(human.stderr).toBe('');
      expect(human.stdout).toBe(
        `Retried 1 dead job of queue ${QUEUE}.\nSkipped 2 workflow step jobs, left dead: \`conveyor retry\` would not run them again. Retry their workflows with \`conveyor workflows retry <id> ${env.args.join(' ')}\`: ${a.id}, ${b.id}.\n`,
      );
      expect((await env.transport.getJob(plain as string))?.state).toBe('waiting');
      for (const { stepJob } of [a, b]) {
        expect((await env.transport.getJob(stepJob))?.state).toBe('dead');
      }

      const machine = await cli([
        'retry',
        '--all-dead',
        '--queue',
        QUEUE,
        '--yes',
        '--json',
        ...env.args,
      ]);
      expect(json(machine)).toEqual({
        queue: QUEUE,
        retried: 0,
        paused: [],
        skippedStepJobs: 2,
        workflows: [a.id, b.id],
      });
      expect((await env.transport.admin.listDead(QUEUE)).total).toBe(2);
    } finally {
      await env.close();
    }
  });
});

describe('conveyor workflows list --status failed on Redis', () => {
  it('lists the failed workflows, newest first, with the failed step; a retried one leaves', async () => {
    const env = await setup();
    try {
      const a = await env.failedWorkflow();
      // Ended in a later millisecond: the order is by when each ended, not by id.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const b = await env.failedWorkflow();
      const flags = env.args.join(' ');
      const listed = await cli(['workflows', 'list', '--status', 'failed', ...env.args]);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      const lines = listed.stdout.trimEnd().split('\n');
      expect(
        lines.slice(1, 3).map((line) => [line.split(/\s+/)[0], ...line.split(/\s+/).slice(-2)]),
      ).toEqual([
        [b.id, 'second', 'broke'],
        [a.id, 'second', 'broke'],
      ]);
      expect(lines[3]).toBe(
        `Retry one from its failed step with \`conveyor workflows retry <id> ${flags}\`; \`conveyor inspect <id> ${flags}\` shows its steps.`,
      );
      expect((await cli(['workflows', 'retry', a.id, ...env.args])).code).toBe(0);
      const after = json<{ more: boolean; workflows: Array<{ id: string; failure?: unknown }> }>(
        await cli(['workflows', 'list', '--status', 'failed', '--json', ...env.args]),
      );
      expect(after.more).toBe(false);
      expect(after.workflows.map((w) => w.id)).toEqual([b.id]);
      expect(after.workflows[0]?.failure).toEqual({
        step: 'second',
        error: { name: 'Error', message: 'broke' },
      });
    } finally {
      await env.close();
    }
  });
});

describe('conveyor cancel --json on a finished job', () => {
  it('prints nothing on stdout, the error on stderr, exit 7', async () => {
    const env = await setup();
    try {
      const [id] = (await env.enqueue(QUEUE, 1)) as [string];
      expect(json(await cli(['cancel', id, '--json', ...env.args]))).toEqual({
        id,
        result: 'cancelled',
      });
      const again = await cli(['cancel', id, '--json', ...env.args]);
      expect(again.code).toBe(7);
      expect(again.stdout).toBe('');
      expect(again.stderr).toBe(
        `error: Job "${id}" already finished (cancelled): nothing to cancel.\n`,
      );
    } finally {
      await env.close();
    }
  });
});

describe('conveyor retry <partition job id> --queue', () => {
  it("takes the queue's name as well as the partition's; refuses another queue", async () => {
    const env = await setup();
    try {
      await env.enqueue('part~1of4', 3);
      const ids = [await env.bury('part~1of4'), await env.bury('part~1of4')];
      const base = await cli(['retry', ids[0] as string, '--queue', 'part', ...env.args]);
      const partition = await cli(['retry', ids[1] as string, '-q', 'part~1of4', ...env.args]);
      expect(base.stderr).toBe('');
      expect(base.code).toBe(0);
      expect(partition.code).toBe(0);
      for (const id of ids) expect((await env.transport.getJob(id))?.state).toBe('waiting');

      const dead = await env.bury('part~1of4');
      for (const other of ['part~2of4', 'par', 'other']) {
        const refused = await cli(['retry', dead, '--queue', other, ...env.args]);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(
          `--queue "${other}" is not the queue of job "${dead}", which is "part~1of4"`,
        );
      }
      expect((await env.transport.getJob(dead))?.state).toBe('dead');
    } finally {
      await env.close();
    }
  });
});

describe('dead and retry --all-dead on a queue name nothing has used', () => {
  it('say so on stderr, exit 0, as purge does; a known queue gets no note', async () => {
    const env = await setup();
    try {
      await env.enqueue('cli-mail', 1);
      await env.enqueue('cli-part~0of2', 1);
      const note = (queue: string, near: string) =>
        `note: No queue named "${queue}" has held a job or has a worker (did you mean ${near}?).\n`;

      const dead = await cli(['dead', 'cli-mial', ...env.args]);
      expect(dead.code).toBe(0);
      expect(dead.stdout).toBe('Queue cli-mial has no dead jobs.\n');
      expect(dead.stderr).toBe(note('cli-mial', 'cli-mail'));
      const deadJson = await cli(['dead', 'cli-mial', '--json', ...env.args]);
      expect(json(deadJson)).toMatchObject({ queue: 'cli-mial', total: 0, jobs: [] });
      expect(deadJson.stderr).toBe(note('cli-mial', 'cli-mail'));

      const retry = await cli(['retry', '--all-dead', '--queue', 'cli-mial', '-y', ...env.args]);
      expect(retry.code).toBe(0);
      expect(retry.stdout).toBe('Retried 0 dead jobs of queue cli-mial.\n');
      expect(retry.stderr).toBe(note('cli-mial', 'cli-mail'));
      const retryJson = await cli([
        'retry',
        '--all-dead',
        '-q',
        'cli-mial',
        '--yes',
        '--json',
        ...env.args,
      ]);
      expect(json(retryJson)).toEqual({
        queue: 'cli-mial',
        retried: 0,
        paused: [],
        skippedStepJobs: 0,
        workflows: [],
      });
      expect(retryJson.stderr).toBe(note('cli-mial', 'cli-mail'));

      // A partition that was never used, beside its used sibling; then names that are known.
      const partition = await cli(['dead', 'cli-part~1of2', ...env.args]);
      expect(partition.stderr).toContain('No queue named "cli-part~1of2"');
      for (const argv of [
        ['dead', 'cli-mail'],
        ['dead', 'cli-part'],
        ['dead', 'cli-part~0of2'],
        ['retry', '--all-dead', '--queue', 'cli-mail', '--yes'],
        ['retry', '--all-dead', '--queue', 'cli-part', '--yes'],
      ]) {
        const known = await cli([...argv, ...env.args]);
        expect(known.code, argv.join(' ')).toBe(0);
        expect(known.stderr, argv.join(' ')).toBe('');
      }
    } finally {
      await env.close();
    }
  });
});

describe('conveyor retry --all-dead: --dry-run and confirmation, as purge', () => {
  it('--dry-run counts what it would retry and skip, per partition, and changes nothing', async () => {
    const env = await setup();
    try {
      const flow = await env.failedWorkflow();
      const [plain] = await env.enqueue(QUEUE, 1);
      await env.bury(QUEUE);
      await env.enqueue('cli-parts~0of2', 2);
      await env.enqueue('cli-parts~1of2', 1);
      for (const queue of ['cli-parts~0of2', 'cli-parts~0of2', 'cli-parts~1of2']) {
        await env.bury(queue);
      }
      // No terminal and no --yes: a dry run needs neither.
      const human = await cli(['retry', '--all-dead', '--queue', QUEUE, '--dry-run', ...env.args]);
      expect(human.stderr).toBe('');
      expect(human.code).toBe(0);
      const flags = env.args.join(' ');
      expect(human.stdout).toBe(
        `Dry run: would retry 1 dead job of queue ${QUEUE}.\nWould skip 1 workflow step job, left dead: \`conveyor retry\` would not run them again. Retry their workflow with \`conveyor workflows retry <id> ${flags}\`: ${flow.id}.\nNothing was changed. To retry them: \`conveyor retry --all-dead --queue ${QUEUE} --yes ${flags}\`.\n`,
      );
      const machine = await cli([
        'retry',
        '--all-dead',
        '-q',
        QUEUE,
        '--dry-run',
        '--json',
        ...env.args,
      ]);
      expect(json(machine)).toEqual({
        queue: QUEUE,
        dryRun: true,
        wouldRetry: 1,
        skippedStepJobs: 1,
        workflows: [flow.id],
      });
      const parts = await cli(['retry', '--all-dead', '-q', 'cli-parts', '--dry-run', ...env.args]);
      expect(parts.stdout.split('\n').slice(0, 4)).toEqual([
        'Dry run: would retry 3 dead jobs of queue cli-parts (2 partitions).',
        '  PARTITION       WOULD RETRY  STEP JOBS SKIPPED',
        '  cli-parts~0of2            2                  0',
        '  cli-parts~1of2            1                  0',
      ]);
      const partsJson = await cli([
        'retry',
        '--all-dead',
        '-q',
        'cli-parts',
        '--dry-run',
        '--json',
        ...env.args,
      ]);
      expect(json(partsJson)).toEqual({
        queue: 'cli-parts',
        dryRun: true,
        wouldRetry: 3,
        skippedStepJobs: 0,
        workflows: [],
        partitions: [
          { queue: 'cli-parts~0of2', wouldRetry: 2, skippedStepJobs: 0 },
          { queue: 'cli-parts~1of2', wouldRetry: 1, skippedStepJobs: 0 },
        ],
      });
      // Nothing moved.
      expect((await env.transport.getJob(plain as string))?.state).toBe('dead');
      const counts = await env.transport.admin.queueCounts([
        QUEUE,
        'cli-parts~0of2',
        'cli-parts~1of2',
      ]);
      expect(counts.map((c) => c.dead)).toEqual([2, 2, 1]);

      const single = await cli(['retry', plain as string, '--dry-run', ...env.args]);
      expect(single.code).toBe(2);
      expect(single.stderr).toContain('--dry-run goes with --all-dead --queue <queue>');
    } finally {
      await env.close();
    }
  });

  it('asks on a terminal, with the counts; refuses without one unless --yes (exit 5)', async () => {
    const env = await setup();
    try {
      await env.failedWorkflow();
      const [plain] = await env.enqueue(QUEUE, 1);
      await env.bury(QUEUE);
      const argv = ['retry', '--all-dead', '--queue', QUEUE, ...env.args];

      const piped = await cli(argv);
      expect(piped.code).toBe(5);
      expect(piped.stdout).toBe('');
      // Before: "Refusing to retry the dead jobs of queue …", with no count, as purge gives.
      expect(piped.stderr).toBe(
        `error: Refusing to retry 1 dead job of queue ${QUEUE} (1 workflow step job stays dead) without confirmation: stdin is not a terminal. Pass --yes to retry them (\`conveyor retry --all-dead --queue ${QUEUE} --yes ${env.args.join(' ')}\`), or --dry-run to see what it would retry.\n`,
      );
      const no = startCli([...argv, '--json'], { answer: false });
      const refused = await no.done;
      expect(no.questions).toEqual([
        `Retry 1 dead job of queue ${QUEUE} (1 workflow step job stays dead)? [y/N] `,
      ]);
      expect(refused.code).toBe(5);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(`error: Not retried: queue ${QUEUE} is unchanged.\n`);
      expect((await env.transport.getJob(plain as string))?.state).toBe('dead');

      const yes = startCli(argv, { answer: true });
      expect((await yes.done).code).toBe(0);
      expect(yes.questions).toHaveLength(1);
      expect((await env.transport.getJob(plain as string))?.state).toBe('waiting');

      // Nothing left to retry (the step job stays): nothing to confirm.
      const empty = startCli(argv, { answer: false });
      const emptied = await empty.done;
      expect(empty.questions).toEqual([]);
      expect(emptied.code).toBe(0);
      expect(emptied.stdout).toMatch(/^Retried 0 dead jobs of queue cli-work\.\nSkipped 1 /);
      // Nor without a terminal, as purge: it was refused (exit 5) with nothing to retry.
      const pipedEmpty = await cli(argv);
      expect(pipedEmpty.code, pipedEmpty.stderr).toBe(0);
      expect(pipedEmpty.stdout).toMatch(/^Retried 0 dead jobs of queue cli-work\.\nSkipped 1 /);
    } finally {
      await env.close();
    }
  });
});
