import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { TaskContext } from '../src/context.js';
import type { JobEnvelope } from '../src/envelope.js';
import { NonRetryableError, RetryRequest } from '../src/errors.js';
import type { JsonValue } from '../src/json.js';
import type { Logger } from '../src/logger.js';
import { createTaskRegistry } from '../src/registry.js';
import { type JobOutcome, type RunJobOptions, runJob } from '../src/run-job.js';
import { type AnyTaskDefinition, defineTask } from '../src/task.js';
import type { Reservation, Settlement } from '../src/transport.js';

const TOKEN = 'lease-token-1';

function reservation(overrides: Partial<JobEnvelope> = {}): Reservation {
  return {
    envelope: {
      v: 1,
      id: 'emails:job1',
      task: 'shop.sendEmail',
      queue: 'emails',
      input: { email: 'ada@example.com' },
      attempt: 1,
      maxAttempts: 3,
      priority: 5,
      enqueuedAt: 0,
      ...overrides,
    },
    token: TOKEN,
    leaseExpiresAt: 60_000,
  };
}

function run(
  tasks: AnyTaskDefinition[],
  delivered: Reservation,
  options: Partial<RunJobOptions> = {},
): Promise<JobOutcome> {
  return runJob(delivered, {
    registry: createTaskRegistry(tasks),
    signal: new AbortController().signal,
    ...options,
  });
}

const input = z.object({ email: z.email() });

function task(
  body: (input: { email: string }, ctx: TaskContext) => unknown,
  extra: {
    retry?: AnyTaskDefinition['retry'];
    resultTtl?: number;
    removeOnComplete?: boolean;
  } = {},
): AnyTaskDefinition {
  return defineTask({ name: 'shop.sendEmail', input, run: body, ...extra });
}

function settlementOf<K extends Settlement['type']>(
  outcome: JobOutcome,
  type: K,
): Extract<Settlement, { type: K }> {
  expect(outcome.settlement.type).toBe(type);
  return outcome.settlement as Extract<Settlement, { type: K }>;
}

describe('runJob: before the task runs', () => {
  it('dead-letters an unknown task, naming it and the known tasks', async () => {
    const other = defineTask({ name: 'b.other', input, run: () => null });
    const another = defineTask({ name: 'a.another', input, run: () => null });
    const outcome = await run([other, another], reservation({ task: 'shop.sendEmial' }));
    expect(outcome.kind).toBe('dead');
    const fail = settlementOf(outcome, 'fail');
    expect(fail).toMatchObject({ id: 'emails:job1', token: TOKEN, deadLetter: true });
    expect(fail.error.code).toBe('UNKNOWN_TASK');
    expect(fail.error.name).toBe('UnknownTaskError');
    expect(fail.error.message).toBe(
      'Unknown task "shop.sendEmial" (known: a.another, b.other). Register the task with the worker or fix the name at the producer.',
    );
  });

  it('says so when no task is registered', async () => {
    const outcome = await run([], reservation());
    expect(settlementOf(outcome, 'fail').error.message).toContain('(none registered)');
  });

  // Invalid input failed the job for good: a job refused during a deploy (the producer's
  // schema ahead of the worker's) could not be run again once the worker caught up.
  it('dead-letters invalid input without running the task, with the schema issues and what to do', async () => {
    const body = vi.fn();
    const outcome = await run(
      [task(body, { resultTtl: 5_000 })],
      reservation({ input: { email: 'nope' } }),
    );
    expect(body).not.toHaveBeenCalled();
    expect(outcome.kind).toBe('dead');
    const fail = settlementOf(outcome, 'fail');
    expect(fail.deadLetter).toBe(true);
    expect(fail).not.toHaveProperty('resultTtlMs');
    expect(fail.error.code).toBe('VALIDATION_FAILED');
    expect(fail.error.message).toMatch(
      /: Invalid email address\. A retry runs this same input: if the schema should take it, change the schema, then retry it \(conveyor retry emails:job1\); if the input is wrong, fix the producer and enqueue the job anew$/,
    );
    expect(fail.error.issues).toEqual([
      { message: expect.stringMatching(/email/i), path: ['email'] },
    ]);
    expect(fail.error.message).toMatch(/^Invalid input for task "shop\.sendEmail": email: /);
    // The stored error does not quote the input: readers of job errors (the dashboard) may
    // be kept from input fields, which the enqueue's own caller is not.
    expect(fail.error.message).not.toContain('nope');
  });

  // A step job's input is what its step's mapping returned, and `conveyor retry` refuses
  // step jobs: the advice pointed at a retry that is refused and at a producer not at fault.
  it("points a step job's refused input at the step's mapping and the workflow's retry", async () => {
    const workflow = { id: 'wf_1', step: 'b', kind: 'run' } as const;
    const outcome = await run(
      [task(() => null)],
      reservation({ id: 'emails:wf_1.b', input: { email: 'nope' }, workflow }),
    );
    const { message } = settlementOf(outcome, 'fail').error;
    expect(message).toMatch(/^Invalid input for task "shop\.sendEmail": email: /);
    expect(message).toContain('step "b" of workflow wf_1');
    expect(message).toContain("fix the step's input mapping");
    expect(message).toContain('conveyor workflows retry wf_1');
    expect(message).not.toContain('conveyor retry emails:');
    expect(message).not.toContain('producer and enqueue');

    const child = { id: 'wf_1', step: 'm', child: 3, kind: 'run' } as const;
    const refused = await run(
      [task(() => null)],
      reservation({ input: { email: 'nope' }, workflow: child, schema: 'sha256:other' }),
    );
    const childMessage = settlementOf(refused, 'fail').error.message;
    expect(childMessage).toContain(
      'child 3\'s item, from the items mapping of map step "m" of workflow wf_1',
    );
    expect(childMessage).toContain('conveyor workflows retry wf_1');
  });

  it('says when the producer checked the input with another version of the schema', async () => {
    const skewed = defineTask({ name: 'shop.sendEmail', input, run: () => null });
    const worker = { ...skewed, fingerprint: 'sha256:worker' } as AnyTaskDefinition;
    const outcome = await run(
      [worker],
      reservation({ input: { email: 'nope' }, schema: 'sha256:producer' }),
    );
    expect(settlementOf(outcome, 'fail').error.message).toContain(
      "The producer checked it with another version of the schema (sha256:producer, this worker's sha256:worker): a retry runs the same stored input, so it helps only if that input is valid under the schema the worker then runs (failing: email). If the worker's schema is the one to keep, enqueue it anew from an updated producer; if the producer's is, run the worker on that task code, then retry it (conveyor retry emails:job1)",
    );
  });

  // A field made required, a worker on the new schema, a job from an old producer: the hint
  // said "once producers and workers run the same task code, retry it", but the stored
  // input still lacks the field, so that retry always failed again.
  it('says a retry cannot help when the stored input lacks a field the new schema requires', async () => {
    const newer = defineTask({
      name: 'shop.sendEmail',
      input: z.object({ email: z.string(), lang: z.string() }),
      run: () => null,
    });
    const worker = { ...newer, fingerprint: 'sha256:worker' } as AnyTaskDefinition;
    const outcome = await run(
      [worker],
      reservation({ input: { email: 'a@b.co' }, schema: 'sha256:producer' }),
    );
    const { message } = settlementOf(outcome, 'fail').error;
    expect(message).toContain(
      "The producer checked it with another version of the schema (sha256:producer, this worker's sha256:worker), and the stored input lacks lang, which this worker's schema requires: a retry runs that same input and fails again, so enqueue it anew from a producer that runs the updated task code",
    );
    expect(message).not.toContain('retry it');
  });

  it('does not retry invalid input even with attempts left', async () => {
    const outcome = await run([task(() => null)], reservation({ input: null, attempt: 1 }));
    expect(outcome.settlement.type).toBe('fail');
  });
});

describe('runJob: success', () => {
  it('completes with the result and the task resultTtl', async () => {
    const outcome = await run(
      [task(({ email }) => ({ sent: email, at: 1 }), { resultTtl: 120_000 })],
      reservation(),
    );
    expect(outcome.kind).toBe('completed');
    expect(outcome.settlement).toEqual({
      type: 'complete',
      id: 'emails:job1',
      token: TOKEN,
      result: { sent: 'ada@example.com', at: 1 },
      resultTtlMs: 120_000,
    });
  });

  it('asks the transport to remove the record for a removeOnComplete task, and only then', async () => {
    const removed = await run([task(() => 'ok', { removeOnComplete: true })], reservation());
    expect(settlementOf(removed, 'complete').remove).toBe(true);
    const failed = await run(
      [
        task(
          () => {
            throw new NonRetryableError('no');
          },
          { removeOnComplete: true },
        ),
      ],
      reservation(),
    );
    expect(settlementOf(failed, 'fail')).not.toHaveProperty('remove');
    const kept = await run([task(() => 'ok', { removeOnComplete: false })], reservation());
    expect(kept.settlement).not.toHaveProperty('remove');
  });

  it("takes the worker's removeOnComplete for a task that sets none, and the task's own over it", async () => {
    const byWorker = await run([task(() => 'ok')], reservation(), { removeOnComplete: true });
    expect(settlementOf(byWorker, 'complete').remove).toBe(true);
    const keptByTask = await run([task(() => 'ok', { removeOnComplete: false })], reservation(), {
      removeOnComplete: true,
    });
    expect(keptByTask.settlement).not.toHaveProperty('remove');
    const removedByTask = await run([task(() => 'ok', { removeOnComplete: true })], reservation(), {
      removeOnComplete: false,
    });
    expect(settlementOf(removedByTask, 'complete').remove).toBe(true);
  });

  it('leaves resultTtlMs out when the task sets none', async () => {
    const outcome = await run([task(async () => 'ok')], reservation());
    expect(outcome.settlement).not.toHaveProperty('resultTtlMs');
    expect(settlementOf(outcome, 'complete').result).toBe('ok');
  });

  it('completes with an undefined result when run returns nothing', async () => {
    const outcome = await run([task(() => {})], reservation());
    expect(settlementOf(outcome, 'complete').result).toBeUndefined();
  });

  it('gives run the schema output (defaults and transforms applied)', async () => {
    const body = vi.fn((value: unknown) => value);
    const transforming = defineTask({
      name: 'shop.sendEmail',
      input: z.object({
        email: z.string().transform((value) => value.toLowerCase()),
        locale: z.string().default('en'),
      }),
      run: body,
    });
    const outcome = await run([transforming], reservation({ input: { email: 'ADA@X.CO' } }));
    expect(body).toHaveBeenCalledWith({ email: 'ada@x.co', locale: 'en' }, expect.anything());
    expect(settlementOf(outcome, 'complete').result).toEqual({ email: 'ada@x.co', locale: 'en' });
  });

  it('stores the output schema output as the result', async () => {
    const withOutput = defineTask({
      name: 'shop.sendEmail',
      input,
      output: z.object({ count: z.coerce.number() }),
      run: () => ({ count: '3' }),
    });
    const outcome = await run([withOutput], reservation());
    expect(settlementOf(outcome, 'complete').result).toEqual({ count: 3 });
  });

  it('sends Dates in the result as ISO strings, a plain JSON copy', async () => {
    const at = new Date(Date.UTC(2025, 5, 1));
    const outcome = await run([task(() => ({ at }))], reservation());
    expect(settlementOf(outcome, 'complete').result).toEqual({ at: '2025-06-01T00:00:00.000Z' });
  });
});

describe('runJob: results that cannot be stored', () => {
  it('fails when the result does not match the output schema', async () => {
    const withOutput = defineTask({
      name: 'shop.sendEmail',
      input,
      output: z.object({ sent: z.boolean() }),
      resultTtl: 1_000,
      run: () => ({ sent: 'yes' }) as never,
    });
    const outcome = await run([withOutput], reservation({ attempt: 1 }));
    expect(outcome.kind).toBe('failed');
    const fail = settlementOf(outcome, 'fail');
    expect(fail.deadLetter).toBe(false);
    expect(fail.resultTtlMs).toBe(1_000);
    expect(fail.error.code).toBe('VALIDATION_FAILED');
    expect(fail.error.message).toMatch(/^Invalid output for task "shop\.sendEmail": sent: /);
    expect(fail.error.issues?.[0]?.path).toEqual(['sent']);
  });

  it('fails with NOT_JSON when the result is not JSON', async () => {
    const outcome = await run([task(() => ({ total: 10n }))], reservation());
    expect(outcome.kind).toBe('failed');
    const fail = settlementOf(outcome, 'fail');
    expect(fail.deadLetter).toBe(false);
    expect(fail.error.code).toBe('NOT_JSON');
    expect(fail.error.message).toContain('result.total');
  });

  it('fails with NOT_JSON for a Map result', async () => {
    const outcome = await run([task(() => new Map())], reservation());
    expect(settlementOf(outcome, 'fail').error.code).toBe('NOT_JSON');
  });
});

describe('runJob: errors and retries', () => {
  it('fails a NonRetryableError at once, not dead-lettered, attempts left or not', async () => {
    const outcome = await run(
      [
        task(
          () => {
            throw new NonRetryableError('Only 2 left of SKU-1');
          },
          { resultTtl: 9_000 },
        ),
      ],
      reservation({ attempt: 1, maxAttempts: 5 }),
    );
    expect(outcome.kind).toBe('failed');
    expect(outcome.error).toBeInstanceOf(NonRetryableError);
    const fail = settlementOf(outcome, 'fail');
    expect(fail).toMatchObject({ deadLetter: false, resultTtlMs: 9_000 });
    expect(fail.error).toMatchObject({
      name: 'NonRetryableError',
      code: 'NON_RETRYABLE',
      message: 'Only 2 left of SKU-1',
    });
  });

  it("treats the errors of another copy of @conveyor/core as its own (a task module loaded under tsx's loader)", async () => {
    // A second instance of the module, as a task file gets when a loader of its own (or a
    // second install) gives it its own copy of the package: classes that are not these.
    const other = (await import(
      /* @vite-ignore */ `../src/errors.js?copy=${Date.now()}`
    )) as typeof import('../src/errors.js');
    expect(other.NonRetryableError).not.toBe(NonRetryableError);
    const refused = await run(
      [
        task(() => {
          throw new other.NonRetryableError('Only 2 left of SKU-1');
        }),
      ],
      reservation({ attempt: 1, maxAttempts: 5 }),
    );
    // It was retried until dead: `instanceof` failed across the copies.
    expect(refused.kind).toBe('failed');
    const retried = await run(
      [
        task((_input, ctx) => {
          throw new other.RetryRequest(60_000, `again, attempt ${ctx.attempt}`);
        }),
      ],
      reservation({ attempt: 1, maxAttempts: 5 }),
    );
    expect(settlementOf(retried, 'retry').delayMs).toBe(60_000);
    // Still by class, not by code: a plain error with the same code is not one.
    const plain = Object.assign(new Error('no'), { code: 'NON_RETRYABLE' });
    expect(plain instanceof NonRetryableError).toBe(false);
    expect(new other.NonRetryableError('x') instanceof other.ConveyorError).toBe(true);
    expect(new other.UnknownTaskError('t', []) instanceof NonRetryableError).toBe(false);
  });

  it('retries a thrown error with attempts left, after the policy back-off', async () => {
    const boom = new Error('SMTP down');
    const failing = task(
      () => {
        throw boom;
      },
      { retry: { attempts: 5, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } } },
    );
    const outcome = await run([failing], reservation({ attempt: 3, maxAttempts: 5 }), {
      random: () => 0.5,
    });
    expect(outcome.kind).toBe('retry');
    expect(outcome.error).toBe(boom);
    const retry = settlementOf(outcome, 'retry');
    // attempt 3 failed: 1000 * 2^2 = 4000, jittered by 0.5 * 0.5 = 25% down.
    expect(retry).toMatchObject({ id: 'emails:job1', token: TOKEN, delayMs: 3_000 });
    expect(retry.error).toMatchObject({ name: 'Error', message: 'SMTP down' });
    expect(retry.error.stack).toContain('SMTP down');
  });

  it('uses the default policy when the task has none', async () => {
    const outcome = await run(
      [
        task(async () => {
          throw new Error('flaky');
        }),
      ],
      reservation({ attempt: 2, maxAttempts: 3 }),
      { random: () => 0 },
    );
    expect(settlementOf(outcome, 'retry').delayMs).toBe(2_000);
  });

  it('keeps an error code of a non-Conveyor error', async () => {
    const outcome = await run(
      [
        task(() => {
          throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
        }),
      ],
      reservation(),
      { random: () => 0 },
    );
    expect(settlementOf(outcome, 'retry').error.code).toBe('ECONNREFUSED');
  });

  it('retries a thrown non-Error value too', async () => {
    const outcome = await run(
      [
        task(() => {
          throw { reason: 'plain object' };
        }),
      ],
      reservation(),
      { random: () => 0 },
    );
    expect(settlementOf(outcome, 'retry').error).toEqual({
      name: 'NonErrorThrown',
      message: '{"reason":"plain object"}',
      code: 'NON_ERROR_THROWN',
    });
  });

  it('retries after the countdown given to ctx.retry, ignoring the policy', async () => {
    const outcome = await run(
      [
        task((_input, ctx) => ctx.retry({ countdown: 10_000, reason: 'warehouse busy' }), {
          retry: { attempts: 3, backoff: { type: 'fixed', delay: 1 } },
        }),
      ],
      reservation({ attempt: 1 }),
    );
    expect(outcome.kind).toBe('retry');
    expect(outcome.error).toBeInstanceOf(RetryRequest);
    const retry = settlementOf(outcome, 'retry');
    expect(retry.delayMs).toBe(10_000);
    expect(retry.error).toMatchObject({ code: 'RETRY_REQUESTED', message: 'warehouse busy' });
  });

  it('uses the policy back-off for ctx.retry() without a countdown', async () => {
    const outcome = await run(
      [
        task((_input, ctx) => ctx.retry(), {
          retry: { attempts: 3, backoff: { type: 'fixed', delay: 750, jitter: false } },
        }),
      ],
      reservation({ attempt: 1 }),
    );
    const retry = settlementOf(outcome, 'retry');
    expect(retry.delayMs).toBe(750);
    expect(retry.error.message).toBe('Retry requested by the task');
  });

  it('keeps the cause given to ctx.retry', async () => {
    const cause = new Error('503');
    let thrown: unknown;
    await run(
      [
        task((_input, ctx) => {
          try {
            ctx.retry({ cause });
          } catch (error) {
            thrown = error;
            throw error;
          }
        }),
      ],
      reservation(),
      { random: () => 0 },
    );
    expect((thrown as RetryRequest).cause).toBe(cause);
  });

  it("stores ctx.retry's cause as the attempt's error, and as the job's when no attempt is left", async () => {
    // Celery's self.retry(exc=e) keeps e; the stored error read "RetryRequest: Retry requested
    // by the task" and said nothing of why.
    const failing = task((_input, ctx) => {
      try {
        throw new TypeError('Simulated email failure');
      } catch (cause) {
        ctx.retry({ countdown: 10_000, cause });
      }
    });
    const retried = settlementOf(await run([failing], reservation({ attempt: 1 })), 'retry');
    expect(retried.delayMs).toBe(10_000);
    expect(retried.error).toMatchObject({ name: 'TypeError', message: 'Simulated email failure' });
    expect(retried.error.stack).toMatch(/^TypeError: Simulated email failure\n/);
    const dead = await run([failing], reservation({ attempt: 3, maxAttempts: 3 }));
    expect(dead.kind).toBe('dead');
    expect(settlementOf(dead, 'fail').error).toMatchObject({
      name: 'TypeError',
      message: 'Simulated email failure',
    });
    // With a reason as well: both, the reason first; the cause's code is kept.
    const coded = Object.assign(new Error('HTTP 503'), { code: 'E_BUSY' });
    const reasoned = task((_input, ctx) => ctx.retry({ reason: 'warehouse busy', cause: coded }));
    const withReason = settlementOf(await run([reasoned], reservation({ attempt: 1 })), 'retry');
    expect(withReason.error).toMatchObject({
      name: 'Error',
      message: 'warehouse busy: HTTP 503',
      code: 'E_BUSY',
    });
    // A message with `$&` in it is not a replacement pattern.
    const priced = task((_input, ctx) =>
      ctx.retry({ reason: 'busy', cause: new Error('cost $5 $& more') }),
    );
    const pricedError = settlementOf(
      await run([priced], reservation({ attempt: 1 })),
      'retry',
    ).error;
    expect(pricedError.message).toBe('busy: cost $5 $& more');
    expect(pricedError.stack).toMatch(/^Error: busy: cost \$5 \$& more\n {4}at /);
    const plain = task((_input, ctx) => ctx.retry({ reason: 'later', cause: 'not an Error' }));
    expect(
      settlementOf(await run([plain], reservation({ attempt: 1 })), 'retry').error.message,
    ).toBe('later: not an Error');
  });

  it('clamps a negative countdown to 0', async () => {
    const outcome = await run(
      [task((_input, ctx) => ctx.retry({ countdown: -5 }))],
      reservation({ attempt: 1 }),
    );
    expect(settlementOf(outcome, 'retry').delayMs).toBe(0);
  });

  // 1e20: past MAX_DURATION_MS, a delay Redis does not keep (the job ran at once).
  it.each([Number.NaN, Number.POSITIVE_INFINITY, 1e20])(
    'treats ctx.retry({ countdown: %s }) as an error, retried after the policy back-off',
    async (countdown) => {
      const outcome = await run(
        [
          task((_input, ctx) => ctx.retry({ countdown }), {
            retry: { attempts: 3, backoff: { type: 'fixed', delay: 500, jitter: 0 } },
          }),
        ],
        reservation({ attempt: 1 }),
      );
      const retry = settlementOf(outcome, 'retry');
      expect(retry.delayMs).toBe(500);
      expect(retry.error.code).toBe('INVALID_OPTION');
      expect(retry.error.message).toContain(`countdown ${countdown}`);
    },
  );

  it('dead-letters a thrown error on the last attempt', async () => {
    const outcome = await run(
      [
        task(
          () => {
            throw new Error('still down');
          },
          { resultTtl: 1_000 },
        ),
      ],
      reservation({ attempt: 3, maxAttempts: 3 }),
    );
    expect(outcome.kind).toBe('dead');
    const fail = settlementOf(outcome, 'fail');
    expect(fail.deadLetter).toBe(true);
    expect(fail.error.message).toBe('still down');
    // Dead jobs stay in the dead-letter set: no TTL.
    expect(fail).not.toHaveProperty('resultTtlMs');
  });

  it('dead-letters ctx.retry on the last attempt', async () => {
    const outcome = await run(
      [task((_input, ctx) => ctx.retry({ countdown: 1_000 }))],
      reservation({ attempt: 2, maxAttempts: 2 }),
    );
    expect(outcome.kind).toBe('dead');
    expect(settlementOf(outcome, 'fail').deadLetter).toBe(true);
  });

  it('honours the envelope maxAttempts over the task policy (per-call attempts)', async () => {
    const failing = task(
      () => {
        throw new Error('x');
      },
      { retry: { attempts: 10 } },
    );
    const outcome = await run([failing], reservation({ attempt: 1, maxAttempts: 1 }));
    expect(outcome.kind).toBe('dead');
  });
});

describe('runJob: schemas that throw', () => {
  const throwingSchema = z.object({
    email: z.string().refine(() => {
      throw new Error('lookup failed');
    }),
  });

  it('resolves, never rejects, when the input schema throws: retried like a task error', async () => {
    const body = vi.fn();
    const throwing = defineTask({ name: 'shop.sendEmail', input: throwingSchema, run: body });
    const outcome = await run([throwing], reservation({ attempt: 1 }), { random: () => 0 });
    expect(body).not.toHaveBeenCalled();
    expect(outcome.kind).toBe('retry');
    expect(settlementOf(outcome, 'retry').error.message).toBe('lookup failed');
    const last = await run([throwing], reservation({ attempt: 3, maxAttempts: 3 }));
    expect(last.kind).toBe('dead');
  });

  it('resolves, never rejects, when the output schema throws', async () => {
    const throwing = defineTask({
      name: 'shop.sendEmail',
      input,
      output: throwingSchema,
      run: () => ({ email: 'x' }),
    });
    const outcome = await run([throwing], reservation({ attempt: 3, maxAttempts: 3 }));
    expect(outcome.kind).toBe('dead');
    expect(settlementOf(outcome, 'fail').error.message).toBe('lookup failed');
  });
});

describe('runJob: the task context', () => {
  it('passes job id, task, queue, attempts and the very signal given', async () => {
    const controller = new AbortController();
    let seen: TaskContext | undefined;
    await run(
      [
        task((_input, ctx) => {
          seen = ctx;
        }),
      ],
      reservation({ attempt: 2, maxAttempts: 4 }),
      { signal: controller.signal },
    );
    expect(seen).toMatchObject({
      jobId: 'emails:job1',
      task: 'shop.sendEmail',
      queue: 'emails',
      attempt: 2,
      maxAttempts: 4,
    });
    expect(seen?.signal).toBe(controller.signal);
  });

  it('gives a logger that adds jobId, task and attempt to every line', async () => {
    const lines: Array<[string, unknown[]]> = [];
    const record =
      (level: string) =>
      (...args: unknown[]) => {
        lines.push([level, args]);
      };
    const logger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    } as Logger;
    await run(
      [
        task((_input, ctx) => {
          ctx.logger.info('sending');
          ctx.logger.warn({ smtp: 'slow' }, 'retrying soon');
          ctx.logger.error({ attempt: 99 });
          ctx.logger.debug('done');
        }),
      ],
      reservation({ attempt: 2 }),
      { logger },
    );
    const fields = { jobId: 'emails:job1', task: 'shop.sendEmail', attempt: 2 };
    expect(lines).toEqual([
      ['info', [fields, 'sending']],
      ['warn', [{ ...fields, smtp: 'slow' }, 'retrying soon']],
      ['error', [{ ...fields, attempt: 99 }, undefined]],
      ['debug', [fields, 'done']],
    ]);
  });

  it('gives a silent logger when none is passed', async () => {
    const outcome = await run(
      [
        task((_input, ctx) => {
          ctx.logger.info('nobody listens');
          return 'ok';
        }),
      ],
      reservation(),
    );
    expect(outcome.kind).toBe('completed');
  });

  it('forwards ctx.progress to onProgress, and ignores it without one', async () => {
    const progress: JsonValue[] = [];
    const reporting = task((_input, ctx) => {
      ctx.progress({ done: 1, of: 2 });
      ctx.progress(100);
      return 'ok';
    });
    await run([reporting], reservation(), { onProgress: (value) => progress.push(value) });
    expect(progress).toEqual([{ done: 1, of: 2 }, 100]);
    expect((await run([reporting], reservation())).kind).toBe('completed');
  });

  it('refuses a progress value JSON cannot carry at the call, with NOT_JSON naming it', async () => {
    // It travelled with the next lease renewal, which it failed for every job of the worker.
    const progress: JsonValue[] = [];
    const caught: unknown[] = [];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const reporting = task((_input, ctx) => {
      for (const value of [10n, { done: cyclic }, Number.NaN]) {
        try {
          ctx.progress(value as unknown as JsonValue);
        } catch (error) {
          caught.push(error);
        }
      }
      ctx.progress({ done: 2 });
      return 'ok';
    });
    const outcome = await run([reporting], reservation(), {
      onProgress: (value) => progress.push(value),
    });
    expect(outcome.kind).toBe('completed');
    expect(progress).toEqual([{ done: 2 }]);
    expect(caught).toHaveLength(3);
    for (const error of caught) expect(error).toMatchObject({ code: 'NOT_JSON' });
    expect((caught[0] as Error).message).toMatch(/^progress is not JSON-serializable \(10n\)/);
    // Without a worker to send it to, the same check.
    const bare = task((_input, ctx) => ctx.progress(10n as unknown as JsonValue));
    const failed = await run([bare], reservation());
    expect(failed.error).toMatchObject({ code: 'NOT_JSON' });
  });
});

describe('runJob: size caps', () => {
  const MIB = 1024 * 1024;

  it('dead-letters an input over maxPayloadBytes without running the task: PAYLOAD_TOO_LARGE, not retried', async () => {
    const body = vi.fn(() => 'ran');
    const delivered = { ...reservation(), inputBytes: 5 * MIB };
    const outcome = await run([task(body, { resultTtl: 1_000 })], delivered);
    expect(body).not.toHaveBeenCalled();
    expect(outcome.kind).toBe('dead');
    const fail = settlementOf(outcome, 'fail');
    expect(fail).toMatchObject({ deadLetter: true });
    expect(fail.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(fail.error.message).toContain(
      `Job "emails:job1"'s input for task "shop.sendEmail" is ${5 * MIB} bytes, over the ${512 * 1024}-byte limit`,
    );
    expect(fail.error.message).toMatch(
      /or raise the worker's maxPayloadBytes \(createWorker, or conveyor worker --max-payload-bytes\)\.$/,
    );
  });

  it('applies the maxPayloadBytes given, and runs an input at the cap', async () => {
    const body = vi.fn(() => 'ran');
    const over = await run(
      [task(body)],
      { ...reservation(), inputBytes: 101 },
      {
        maxPayloadBytes: 100,
      },
    );
    expect(settlementOf(over, 'fail').error.message).toContain('101 bytes, over the 100-byte');
    const at = await run(
      [task(body)],
      { ...reservation(), inputBytes: 100 },
      {
        maxPayloadBytes: 100,
      },
    );
    expect(settlementOf(at, 'complete').result).toBe('ran');
    expect(body).toHaveBeenCalledTimes(1);
  });

  it('refuses an oversized input before dead-lettering an unknown task', async () => {
    const outcome = await run([], { ...reservation(), inputBytes: 5 * MIB });
    expect(outcome.kind).toBe('dead');
    expect(settlementOf(outcome, 'fail').error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('fails a result over maxResultBytes with RESULT_TOO_LARGE and stores no result', async () => {
    const outcome = await run([task(() => ({ blob: 'r'.repeat(MIB) }))], reservation());
    expect(outcome.kind).toBe('failed');
    const fail = settlementOf(outcome, 'fail');
    expect(fail.deadLetter).toBe(false);
    expect(fail).not.toHaveProperty('result');
    expect(fail.error.code).toBe('RESULT_TOO_LARGE');
    expect(fail.error.name).toBe('ResultTooLargeError');
    expect(fail.error.message).toBe(
      `Task "shop.sendEmail" returned a result of ${MIB + 11} bytes, over the ${512 * 1024}-byte limit; it was not stored. Store large results elsewhere (database, object store) and return a reference, or raise the worker's maxResultBytes.`,
    );
  });

  it('counts UTF-8 bytes of the result JSON against maxResultBytes', async () => {
    // '€' is 3 bytes: 10 of them and the quotes make 32.
    const body = () => '€'.repeat(10);
    const at = await run([task(body)], reservation(), { maxResultBytes: 32 });
    expect(settlementOf(at, 'complete').result).toBe('€'.repeat(10));
    const over = await run([task(body)], reservation(), { maxResultBytes: 31 });
    expect(settlementOf(over, 'fail').error.message).toContain('32 bytes, over the 31-byte limit');
  });

  it('stores a bounded error when the task throws a 5 MB message', async () => {
    const outcome = await run(
      [
        task(() => {
          throw new Error(`bad input: ${'x'.repeat(5 * MIB)}`);
        }),
      ],
      reservation(),
    );
    const retry = settlementOf(outcome, 'retry');
    expect(retry.error.message.length).toBeLessThanOrEqual(4_096);
    expect(retry.error.message).toMatch(/… \[truncated [\d,]+ characters\]$/);
    expect(retry.error.stack?.length).toBeLessThanOrEqual(16_384);
  });
});
