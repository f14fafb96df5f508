import {
  newWorkflowId,
  type StepAddress,
  type StepOutcome,
  type TransportWith,
  workflowPlan,
} from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { applyWorkflowEffects } from '@conveyor/core/worker';
import { describe, expect, it } from 'vitest';
import { cli, json } from './helpers.js';
import { chargeOrder, failure, placeOrder, workflowProjects } from './workflow-project.js';

// `conveyor workflows list --status failed|compensated|cancelled|completed`: the workflows
// that ended so, on projects of workflow-project.ts (as workflows.test.ts lists running ones).
const project = workflowProjects('ended-workflows');

describe('conveyor workflows list --status', () => {
  /** Runs a step of workflow `id` by hand, as `settle` does for the project's own workflow. */
  const settleOn = async (
    transport: TransportWith<'workflows'>,
    id: string,
    address: StepAddress,
    outcome: StepOutcome,
  ) => {
    const { workflows } = transport;
    await workflows.claim(id, address);
    await applyWorkflowEffects(transport, id, await workflows.record(id, address, outcome));
  };
  const startOrder = async (transport: TransportWith<'workflows'>, skus: string[] = []) => {
    const id = newWorkflowId();
    const { workflows } = transport;
    const started = await workflows.start({
      id,
      plan: workflowPlan(placeOrder),
      input: { orderId: id, skus },
    });
    await applyWorkflowEffects(transport, id, started);
    return id;
  };
  const RETRY_HINT =
    'Retry one from its failed step with `conveyor workflows retry <id>`; `conveyor inspect <id>` shows its steps.';

  it('lists the failed workflows, newest first, with the failed step and error; a retried one leaves', async () => {
    // The transport's clock started ten minutes ago, so that the ages read on this one are known.
    const clock = createManualClock(Date.now() - 10 * 60_000);
    const { transport, id, settle, expand, run } = await project([], clock);
    const second = await startOrder(transport);
    const cancelled = await startOrder(transport);
    await startOrder(transport);
    await settle({ step: 'reserve' }, { ok: true, result: {} });
    await settle({ step: 'ship' }, { ok: true, result: {} });
    await expand([{ sku: 'a' }, { sku: 'b' }]);
    await clock.advance(60_000);
    const declined = {
      name: 'Error',
      message: 'card declined\u001b]0;pwned\u0007\n    at charge.ts:12',
      code: 'DECLINED',
    };
    await settle({ step: 'charge', child: 1 }, { ok: false, error: declined });
    await clock.advance(4 * 60_000);
    await settleOn(transport, second, { step: 'reserve' }, failure('out of stock'));
    await transport.workflows?.cancel(cancelled);

    const { code, stdout, stderr } = await run(['workflows', 'list', '--status', 'failed']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual([
      'ID',
      'WORKFLOW',
      'FINISHED',
      'STARTED',
      'STEP',
      'ERROR',
    ]);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${second}\\s+shop\\.placeOrder\\s+5m0\\ds ago\\s+10m0\\ds ago\\s+reserve\\s+out of stock$`,
      ),
    );
    // The map child's index; the error on one line, escaped, its stack line counted.
    expect(lines[2]).toMatch(
      new RegExp(
        `^${id}\\s+shop\\.placeOrder\\s+9m0\\ds ago\\s+10m0\\ds ago\\s+charge #1\\s+DECLINED: card declined\\\\x1b\\]0;pwned\\\\x07… \\(1 more line; use --json for all of it\\)$`,
      ),
    );
    expect(lines.slice(3)).toEqual([RETRY_HINT]);
    for (const raw of ['\u001b', '\u0007']) expect(stdout).not.toContain(raw);

    const listed = json<{ more: boolean; workflows: Array<Record<string, unknown>> }>(
      await run(['workflows', 'list', '--status', 'failed', '--json']),
    );
    expect(listed.more).toBe(false);
    expect(listed.workflows).toMatchObject([
      {
        id: second,
        name: 'shop.placeOrder',
        status: 'failed',
        finishedAt: clock.now(),
        failure: { step: 'reserve', error: { name: 'Error', message: 'out of stock' } },
      },
      {
        id,
        status: 'failed',
        finishedAt: clock.now() - 4 * 60_000,
        failure: { step: 'charge', child: 1, error: declined },
      },
    ]);

    const first = await run(['workflows', 'list', '--status', 'failed', '--limit', '1']);
    expect(first.stdout.split('\n').slice(1, 4)).toEqual([
      expect.stringMatching(new RegExp(`^${second} `)),
      'More failed workflows are kept: these are the ones that ended last; raise --limit (now 1) to see more.',
      RETRY_HINT,
    ]);
    const firstJson = json<{ more: boolean; workflows: Array<{ id: string }> }>(
      await run(['workflows', 'list', '--status', 'failed', '--limit', '1', '--json']),
    );
    expect(firstJson.more).toBe(true);
    expect(firstJson.workflows.map((w) => w.id)).toEqual([second]);

    // Retried, it runs again: off the failed list, on the running one.
    expect((await run(['workflows', 'retry', second])).code).toBe(0);
    const after = await run(['workflows', 'list', '--status', 'failed']);
    expect(after.stdout).not.toContain(second);
    expect(after.stdout.split('\n')[1]).toMatch(new RegExp(`^${id} `));
    expect((await run(['workflows', 'list'])).stdout).toContain(second);
  });

  it('says in the ERROR cell, and --json, that a compensation failed after the failure', async () => {
    // A clock of the test's own: the two runs end a second apart, so that the list's order
    // (newest first) does not fall to their ids, as it does for runs that end in one ms.
    const clock = createManualClock(Date.now() - 60_000);
    const { transport, run, settle, id: plain } = await project([], clock);
    await settle({ step: 'reserve' }, failure('out of stock'));
    await clock.advance(1_000);
    const { workflows } = transport;
    const id = newWorkflowId();
    await applyWorkflowEffects(
      transport,
      id,
      await workflows.start({ id, plan: workflowPlan(chargeOrder), input: { orderId: 'o-2' } }),
    );
    await settleOn(transport, id, { step: 'charge' }, failure('card declined', 'NON_RETRYABLE'));
    // The undo fails too, on two lines, with a terminal escape: one line, escaped, counted.
    await settleOn(
      transport,
      id,
      { step: 'reject' },
      failure('comp broke\u001b[2J\n  at refund.ts:3'),
    );
    expect((await workflows.get(id))?.status).toBe('failed');

    const { code, stdout } = await run(['workflows', 'list', '--status', 'failed']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    // One whose failure had no compensation fail says nothing of one.
    expect(lines[2]).toMatch(new RegExp(`^${plain}\\s.*\\sreserve\\s+out of stock$`));
    expect(lines[1]).toMatch(
      new RegExp(
        `^${id}\\s+shop\\.chargeOrder\\s+\\S+ ago\\s+\\S+ ago\\s+charge\\s+NON_RETRYABLE: card declined; compensation reject failed: comp broke\\\\x1b\\[2J… \\(1 more line; use --json for all of it\\)$`,
      ),
    );
    expect(stdout).not.toContain('\u001b');
    const listed = json<{ workflows: Array<Record<string, unknown>> }>(
      await run(['workflows', 'list', '--status', 'failed', '--json']),
    );
    expect(listed.workflows[1]).not.toHaveProperty('compensation');
    expect(listed.workflows.slice(0, 1)).toEqual([
      expect.objectContaining({
        id,
        failure: { step: 'charge', error: expect.objectContaining({ message: 'card declined' }) },
        compensation: {
          step: 'reject',
          error: expect.objectContaining({ message: 'comp broke\u001b[2J\n  at refund.ts:3' }),
        },
      }),
    ]);
    // `inspect` says it under the failure too (before, only the compensation's row did).
    const inspected = await run(['inspect', id]);
    expect(inspected.stdout).toMatch(/^Failure {3}step "charge": NON_RETRYABLE: card declined$/m);
    expect(inspected.stdout).toMatch(/^ {10}compensation "reject" failed: comp broke/m);
    expect(inspected.stdout).not.toContain('\u001b');
  });

  it('lists cancelled and completed ones without a failure; says so when none is kept', async () => {
    const { transport, id, settle, expand, run } = await project();
    await settle({ step: 'reserve' }, { ok: true, result: {} });
    await settle({ step: 'ship' }, { ok: true, result: {} });
    await expand([{ sku: 'a' }]);
    await settle({ step: 'charge', child: 0 }, { ok: true, result: 1 });
    const cancelled = await startOrder(transport);
    await transport.workflows?.cancel(cancelled);
    const running = await startOrder(transport);

    const cancelledList = await run(['workflows', 'list', '--status', 'cancelled']);
    expect(cancelledList.code).toBe(0);
    const lines = cancelledList.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual(['ID', 'WORKFLOW', 'FINISHED', 'STARTED']);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      [cancelled, 'shop.placeOrder'],
    ]);
    expect(cancelledList.stdout).not.toContain('Retry one');

    const completed = await run(['workflows', 'list', '--status', 'completed']);
    expect(
      completed.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual([id]);
    const machine = json<{ more: boolean; workflows: Array<Record<string, unknown>> }>(
      await run(['workflows', 'list', '--status', 'completed', '--json']),
    );
    expect(machine).toEqual({
      more: false,
      workflows: [
        expect.objectContaining({ id, status: 'completed', finishedAt: expect.any(Number) }),
      ],
    });
    expect(machine.workflows[0]).not.toHaveProperty('failure');

    // `--status running` is the default list.
    const runningList = json(await run(['workflows', 'list', '--status', 'running', '--json']));
    expect(runningList).toEqual(json(await run(['workflows', 'list', '--json'])));
    expect(runningList).toMatchObject({ workflows: [{ id: running }] });

    expect((await run(['workflows', 'list', '--status', 'failed'])).stdout).toBe(
      "No failed workflow is kept: a finished workflow's record is kept for the transport's result TTL (defaultResultTtlMs, 24 h by default) after it ends, and a retried one is running again.\n",
    );
    expect((await run(['workflows', 'list', '--status', 'compensated'])).stdout).toBe(
      "No compensated workflow is kept: a finished workflow's record is kept for the transport's result TTL (defaultResultTtlMs, 24 h by default) after it ends.\n",
    );
    expect(json(await run(['workflows', 'list', '--status', 'compensated', '--json']))).toEqual({
      workflows: [],
      more: false,
    });
  });

  it('refuses an unknown --status, and a transport that cannot list ended workflows', async () => {
    const { run } = await project();
    const bad = await run(['workflows', 'list', '--status', 'faild']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      'error: Invalid --status "faild": expected one of running, failed, compensated, cancelled, completed.\n',
    );
    const without = await project(['workflows']);
    const refused = await without.run(['workflows', 'list', '--status', 'failed']);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain('`conveyor workflows list --status failed`');
    // A transport written before `ended` [W15b]: said so, not a TypeError (exit 1).
    const older = await project();
    Object.assign(older.workflows, { ended: undefined });
    const unlisted = await older.run(['workflows', 'list', '--status', 'cancelled']);
    expect(unlisted.code).toBe(10);
    expect(unlisted.stderr).toBe(
      'error: The transport "memory" cannot list ended workflows: its transport.workflows has no ended(). `conveyor workflows list` lists the running ones; `conveyor inspect <id>` shows any kept workflow.\n',
    );
    expect((await older.run(['workflows', 'list'])).code).toBe(0);
  });

  it('--help names --status and its values', async () => {
    const help = await cli(['workflows', 'list', '--help']);
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    expect(text).toContain(
      '--status <status> which workflows: running, or those that ended failed, compensated, cancelled or completed (default: "running")',
    );
    expect(text).toContain('the step whose failure ended it and its error');
    expect(text).toContain('(and a compensation that failed after it: the undo did not happen)');
    expect(text).toContain(
      "Finished workflows are kept for the transport's result TTL (defaultResultTtlMs, 24 h by default) after they end",
    );
    expect(text).toContain('$ conveyor workflows list --status failed');
    const parent = await cli(['workflows', '--help']);
    expect(parent.stdout).toContain('$ conveyor workflows list --status failed');
  });
});
