import { newWorkflowId, workflowPlan } from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { cli, json } from './helpers.js';
import { failure, placeOrder, workflowProjects } from './workflow-project.js';

// `conveyor inspect <wf id>` and `conveyor workflows list|cancel|retry` (the list of ended
// workflows, `--status`, is ended-workflows.test.ts), on projects of workflow-project.ts.
const project = workflowProjects('workflows');

describe('conveyor inspect <workflow id>', () => {
  it('prints the stages with each step state, attempts and job id; a map summarised', async () => {
    const { workflows, id, settle, expand, run } = await project();
    await settle({ step: 'reserve' }, { ok: true, result: { ok: true } });
    await settle({ step: 'ship' }, { ok: true, result: { id: 's' } });
    await expand([{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }]);
    await settle({ step: 'charge', child: 0 }, { ok: true, result: 1 });
    await workflows.claim(id, { step: 'charge', child: 1 });
    const record = await workflows.get(id);
    const reserveJob = record?.steps[0]?.jobId as string;

    const { code, stdout, stderr } = await run(['inspect', id]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Workflow  ${id}$`, 'm'));
    expect(stdout).toMatch(/^Name {6}shop\.placeOrder$/m);
    expect(stdout).toMatch(/^Status {4}running$/m);
    expect(stdout).toMatch(/^Input {5}\{"orderId":"o-1","skus":\["a","b","c"\]\}$/m);
    expect(stdout).toMatch(/^ {2}STEP\s+TASK\s+STATE\s+ATTEMPTS\s+JOB$/m);
    expect(stdout).toContain('Stage 1: step\n');
    expect(stdout).toContain('Stage 3: map  (running now)\n');
    // The job was enqueued by applyWorkflowEffects, never reserved: attempt 0 of 4.
    expect(stdout).toMatch(
      new RegExp(
        `^ {2}reserve\\s+shop\\.reserve\\s+completed\\s+attempt 0 of 4\\s+${reserveJob.replace(/[.]/g, '\\.')}$`,
        'm',
      ),
    );
    expect(stdout).toMatch(/^ {2}ship\s+shop\.ship\s+completed\s+attempt 0 of 3\s+default:wf_/m);
    expect(stdout).toContain('3 children: 1 completed, 1 running, 1 ready');
    expect(stdout).toMatch(/^ {4}#1\s+running\s+attempt 0 of 3\s+default:wf_\S+\.charge\.1$/m);
    // Each completed step (and listed child) with its stored result on the line below.
    expect(stdout).toMatch(/^ {2}reserve\s.*\n {4}result: \{"ok":true\}$/m);
    expect(stdout).toMatch(/^ {2}ship\s.*\n {4}result: \{"id":"s"\}$/m);
    expect(stdout).toMatch(/^ {4}#0\s.*\n {6}result: 1$/m);
    expect(stdout).not.toMatch(/^ {4}#1\s.*\n {6}result:/m);

    const view = json<Record<string, unknown>>(await run(['inspect', id, '--json']));
    expect(view).toMatchObject({
      id,
      name: 'shop.placeOrder',
      status: 'running',
      stages: [
        {
          kind: 'step',
          steps: [{ name: 'reserve', state: 'completed', jobId: reserveJob, result: { ok: true } }],
        },
        { kind: 'parallel', steps: [{ name: 'ship', state: 'completed', result: { id: 's' } }] },
        {
          kind: 'map',
          current: true,
          steps: [
            {
              name: 'charge',
              children: {
                total: 3,
                counts: { completed: 1, running: 1, ready: 1 },
                shown: [{ child: 0, result: 1 }, { child: 1 }, { child: 2 }],
                hidden: 0,
              },
            },
          ],
        },
      ],
    });
  });

  it('lists only the first ten children and the failed ones, unless --all', async () => {
    const { id, settle, expand, run } = await project();
    await settle({ step: 'reserve' }, { ok: true, result: {} });
    await settle({ step: 'ship' }, { ok: true, result: {} });
    await expand(Array.from({ length: 500 }, (_, index) => ({ sku: `s${index}` })));
    await settle({ step: 'charge', child: 321 }, failure('card declined', 'DECLINED'));
    const { stdout } = await run(['inspect', id]);
    expect(stdout).toMatch(/^Status {4}failed$/m);
    expect(stdout).toMatch(/^Failure {3}step "charge" child 321: DECLINED: card declined$/m);
    expect(stdout).toContain('500 children: 1 failed, 499 cancelled');
    const childLines = stdout.split('\n').filter((line) => /^ {4}#\d+ /.test(line));
    expect(childLines.map((line) => line.trim().split(/\s+/)[0])).toEqual([
      ...Array.from({ length: 10 }, (_, index) => `#${index}`),
      '#321',
    ]);
    expect(stdout).toMatch(/^ {6}error: DECLINED: card declined$/m);
    expect(stdout).toContain('… 489 more not listed');
    expect(stdout).toContain('--all lists every child.');
    const all = await run(['inspect', id, '--all']);
    expect(all.stdout.split('\n').filter((line) => /^ {4}#\d+ /.test(line))).toHaveLength(500);
    expect(all.stdout).not.toContain('more not listed');
  });

  it('escapes control characters from step errors and the input', async () => {
    const { id, settle, run } = await project();
    await settle({ step: 'reserve' }, failure('boom\u001b]0;pwned\u0007\u202e\nsecond line'));
    const { stdout } = await run(['inspect', id]);
    expect(stdout).toContain('error: boom\\x1b]0;pwned\\x07\\u202e');
    expect(stdout).not.toContain('second line');
    for (const raw of ['\u001b', '\u0007', '\u202e']) expect(stdout).not.toContain(raw);
    const machine = await run(['inspect', id, '--json']);
    expect(machine.stdout).not.toContain('\u202e');
    expect(machine.stdout).toContain('\\u202e');
  });

  it('cuts a huge step error to 2,000 characters, marked; --json keeps all of it', async () => {
    const { id, settle, run } = await project();
    await settle({ step: 'reserve' }, failure(`${'x'.repeat(400_000)}\nsecond line`));
    const { stdout } = await run(['inspect', id]);
    expect(stdout.length).toBeLessThan(20_000);
    expect(stdout).toContain(`error: ${'x'.repeat(2_000)}… (398,000 more characters; use --json`);
    const machine = await run(['inspect', id, '--json']);
    expect(machine.stdout).toContain('x'.repeat(400_000));
  });

  it("shows which workflow and step a step job belongs to, and its job's record", async () => {
    const { workflows, id, run } = await project();
    const jobId = (await workflows.get(id))?.steps[0]?.jobId as string;
    const { code, stdout } = await run(['inspect', jobId]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^Workflow  ${id} step "reserve"; see \`conveyor inspect ${id}\`$`, 'm'),
    );
    // Its input is the workflow's to compute when it runs: not shown as "null".
    expect(stdout).toMatch(
      /^Input {5}\(none stored: computed when the step runs, from its workflow's input and earlier results\)$/m,
    );
    const machine = json<{ envelope: { workflow: unknown } }>(
      await run(['inspect', jobId, '--json']),
    );
    expect(machine.envelope.workflow).toEqual({ id, step: 'reserve', kind: 'run' });
  });

  it('treats an id with a colon as a job id, even on a queue named wf_…', async () => {
    const { run } = await project();
    const job = await run(['inspect', 'wf_orders:nosuchjob']);
    expect(job.code).toBe(4);
    expect(job.stderr).toMatch(/^error: No job "wf_orders:nosuchjob"/);
  });

  it('says so for an unknown id, a malformed one, and a transport without workflows', async () => {
    const { run } = await project();
    const missing = await run(['inspect', 'wf_nosuchworkflow00']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^error: No workflow "wf_nosuchworkflow00": it never started/);
    const malformed = await run(['inspect', 'wf_x']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('Invalid workflow id "wf_x": expected "wf_"');
    const bare = await project(['workflows']);
    const refused = await bare.run(['inspect', bare.id]);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toMatch(/workflows/);
    expect(refused.stderr).toContain('`conveyor inspect <workflow id>`');
  });
});

describe('conveyor workflows list', () => {
  it('lists the running workflows, oldest first, with their stage', async () => {
    // A clock moved by hand: the order is by when each began to run, whatever changed since.
    const clock = createManualClock();
    const { workflows, id, settle, run } = await project([], clock);
    await clock.advance(1_000);
    const second = newWorkflowId();
    await workflows.start({
      id: second,
      plan: workflowPlan(placeOrder),
      input: { orderId: 'o-2', skus: [] },
    });
    await clock.advance(1_000);
    await settle({ step: 'reserve' }, { ok: true, result: { ok: true } });

    const { code, stdout, stderr } = await run(['workflows', 'list']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual([
      'ID',
      'WORKFLOW',
      'STAGE',
      'STEPS',
      'CHANGED',
      'STARTED',
    ]);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 5))).toEqual([
      [id, 'shop.placeOrder', '2/3', 'ship', 'ready'],
      [second, 'shop.placeOrder', '1/3', 'reserve', 'ready'],
    ]);

    const listed = json<{ more: boolean; workflows: unknown[] }>(
      await run(['workflows', 'list', '--json']),
    );
    expect(listed.more).toBe(false);
    expect(listed.workflows).toMatchObject([
      { id, stage: 1, steps: [{ name: 'ship', state: 'ready' }] },
      { id: second, name: 'shop.placeOrder', status: 'running', stage: 0, stages: 3 },
    ]);

    // `conveyor workflows` alone is the list, as `conveyor schedules` is; a mistyped
    // subcommand is said to be one.
    expect(json(await run(['workflows', '--json']))).toEqual(listed);
    const typo = await run(['workflows', 'lsit']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      'error: unknown command "lsit" for conveyor workflows: expected one of list, cancel, retry (did you mean list?), or nothing to list them; `conveyor inspect <workflow id>` shows one run.\n',
    );

    const first = await run(['workflows', 'list', '--limit', '1']);
    expect(first.stdout).toContain(id);
    expect(first.stdout).not.toContain(second);
    expect(first.stdout).toContain('More are running');
    expect(
      json<{ more: boolean }>(await run(['workflows', 'list', '--limit', '1', '--json'])).more,
    ).toBe(true);
  });

  it('says so when none runs, and when the transport has no workflows', async () => {
    const { workflows, id, run } = await project();
    await workflows.cancel(id);
    expect((await run(['workflows', 'list'])).stdout).toBe('No workflow is running.\n');
    const without = await project(['workflows']);
    const refused = await without.run(['workflows', 'list']);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain('workflows');
  });
});

describe('conveyor workflows cancel', () => {
  it('cancels a running workflow and its step jobs; a second cancel is a conflict', async () => {
    const { transport, workflows, id, run } = await project();
    const jobId = (await workflows.get(id))?.steps[0]?.jobId as string;
    const { code, stdout, stderr } = await run(['workflows', 'cancel', id]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `Cancelled workflow "${id}": 1 step job cancelled; no step starts after this.\n`,
    );
    expect((await workflows.get(id))?.status).toBe('cancelled');
    expect((await transport.getJob(jobId))?.state).toBe('cancelled');
    const again = await run(['workflows', 'cancel', id, '--json']);
    expect(again.code).toBe(7);
    expect(again.stderr).toBe(
      `error: Workflow "${id}" is cancelled, not running: there is nothing to cancel.\n`,
    );
  });

  it('--json prints the jobs it cancelled; unknown and malformed ids are refused', async () => {
    const { workflows, id, run } = await project();
    const jobId = (await workflows.get(id))?.steps[0]?.jobId as string;
    expect(json(await run(['workflows', 'cancel', id, '--json']))).toEqual({
      workflow: id,
      status: 'cancelled',
      cancelledJobs: [jobId],
    });
    const missing = await run(['workflows', 'cancel', 'wf_nosuchworkflow00']);
    expect(missing.code).toBe(4);
    const malformed = await run(['workflows', 'cancel', 'emails:abc']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('Invalid workflow id "emails:abc"');
  });
});

describe('conveyor workflows retry', () => {
  it('runs a failed workflow again from its failed step, with a new job id', async () => {
    const { transport, workflows, id, settle, run } = await project();
    const notFailed = await run(['workflows', 'retry', id]);
    expect(notFailed.code).toBe(7);
    expect(notFailed.stderr).toContain('is running, not failed');
    await settle({ step: 'reserve' }, failure('out of stock'));
    expect((await workflows.get(id))?.status).toBe('failed');
    const result = json<{ enqueuedJobs: string[] }>(
      await run(['workflows', 'retry', id, '--json']),
    );
    expect(result).toEqual({ workflow: id, status: 'running', enqueuedJobs: [expect.any(String)] });
    const [retried] = result.enqueuedJobs;
    expect(retried).toMatch(/\.reserve\.r1$/);
    expect((await transport.getJob(retried as string))?.state).toBe('waiting');
    expect(await workflows.outbox(id)).toEqual([]);
    const record = await workflows.get(id);
    expect(record?.status).toBe('running');
    expect(record?.steps[0]).toMatchObject({ state: 'ready', retries: 1, jobId: retried });
  });

  it('prints what it enqueued; --help explains the exit codes', async () => {
    const { id, settle, run } = await project();
    await settle({ step: 'reserve' }, failure('out of stock'));
    const { stdout } = await run(['workflows', 'retry', id]);
    expect(stdout).toMatch(
      new RegExp(
        `^Retrying workflow "${id}" from its failed step: enqueued inventory:\\S+\\.r1\\.`,
      ),
    );
    const help = await cli(['workflows', 'retry', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: conveyor workflows retry \[options\] <id>/);
    expect(help.stdout).toContain('7 the workflow is not failed');
    expect(help.stdout).toContain('$ conveyor workflows retry wf_');
    const parent = await cli(['workflows', '--help']);
    expect(parent.stdout).toContain('conveyor inspect <workflow id>');
    expect(parent.stdout).toMatch(/^ {2}cancel /m);
  });
});
