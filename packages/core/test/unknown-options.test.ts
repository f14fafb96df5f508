import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../src/client.js';
import { assertKnownKeys, nearestName } from '../src/known-keys.js';
import { memoryTransport } from '../src/memory/memory-transport.js';
import { defineSchedule } from '../src/schedule/define-schedule.js';
import { defineTask, taskContract } from '../src/task.js';
import { defineWorkflow } from '../src/workflow/define-workflow.js';
import { placeOrder } from './workflow/fixtures.js';

/**
 * A misspelt option key was ignored without a word: `{ dealy: 5_000 }` ran the job at once,
 * `retry: { attempts: 5, backof: … }` retried on the default schedule. The compiler catches
 * such a key only in an object literal; options built elsewhere, or passed from
 * JavaScript, reached the functions unchecked.
 */

const input = z.object({ email: z.string() });
const task = defineTask({ name: 'shop.send', input, run: () => 'sent' });
/** Options as JavaScript (or a cast, or a spread) passes them: past the compiler. */
const untyped = <T = never>(value: unknown): T => value as T;

function setup() {
  const transport = memoryTransport();
  return { transport, client: createClient({ transport }) };
}

describe('unknown option keys', () => {
  it('name what a Celery option is in Conveyor, when no known key is near', async () => {
    // `{ countdown: 10 }`, `ignoreResult`, `acksLate` got the list of known keys and no more.
    const { client } = setup();
    await expect(
      client.enqueue(task, { email: 'a@example.com' }, untyped({ countdown: 10 })),
    ).rejects.toThrow(
      `(Celery's countdown: the enqueue option delay, in milliseconds (countdown: 10 is delay: 10_000)).`,
    );
    expect(() =>
      defineTask(untyped({ name: 'shop.x', input, run: () => 1, ignoreResult: true })),
    ).toThrow("(Celery's ignoreResult: removeOnComplete on the task).");
    expect(() =>
      defineTask(untyped({ name: 'shop.x', input, run: () => 1, acksLate: true })),
    ).toThrow("Celery's acksLate: nothing to set: a job is acknowledged when its run ends");
    // An inherited name is no Celery option: it printed Object's constructor as a hint.
    await expect(
      client.enqueue(task, { email: 'a@example.com' }, untyped({ constructor: 1 })),
    ).rejects.toThrow(/expected one of delay, .*expiresAt\.$/);
    // A near known key still wins: on enqueue, Celery's `expires` is near expiresAt.
    await expect(
      client.enqueue(task, { email: 'a@example.com' }, untyped({ expires: 1 })),
    ).rejects.toThrow(/\(did you mean "expiresAt"\?\)\.$/);
  });

  it('are refused by enqueue, naming the key and the nearest known one, and nothing is stored', async () => {
    const { transport, client } = setup();
    const options = untyped<{ delay: number }>({ dealy: 5_000 });
    const error = await client.enqueue(task, { email: 'a@example.com' }, options).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'INVALID_OPTION' });
    expect((error as Error).message).toBe(
      'Invalid enqueue option "dealy": expected one of delay, eta, priority, queue, attempts, idempotencyKey, expiresAt (did you mean "delay"?).',
    );
    await expect(client.enqueueMany(task, [{ email: 'b@example.com' }], options)).rejects.toThrow(
      /enqueue option "dealy"/,
    );
    const [counts] = await transport.admin.queueCounts(['default']);
    expect(counts?.waiting ?? 0).toBe(0);
  });

  it('set to undefined are accepted, as a key left out is', async () => {
    const { client } = setup();
    // An hour: a 10 ms delay could come due before status() on a busy machine.
    const options = untyped<{ delay: number }>({ delay: 3_600_000, notAnOption: undefined });
    const job = await client.enqueue(task, { email: 'a@example.com' }, options);
    expect(await job.status()).toBe('delayed');
  });

  it('are refused by createClient and by a workflow start', async () => {
    expect(() =>
      createClient(untyped({ transport: memoryTransport(), idempotence: 'strict' })),
    ).toThrow('Invalid createClient option "idempotence"');
    const { client } = setup();
    await expect(
      client.workflows.start(
        placeOrder,
        { orderId: 'o-1', items: [{ sku: 'a', quantity: 1 }] },
        untyped({ timeout: 1_000 }),
      ),
    ).rejects.toThrow(
      'Invalid workflow start option "timeout": expected one of idempotencyKey, timeoutMs, deadline (did you mean "timeoutMs"?).',
    );
    await expect(
      client.workflows.start(placeOrder, { orderId: 'o-1', items: [] }, untyped(null)),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('are refused by defineTask and taskContract, and in retry, backoff, rateLimit and timeout', () => {
    const define = (extra: Record<string, unknown>) => () =>
      defineTask(untyped({ name: 'shop.send', input, run: () => 'sent', ...extra }));
    expect(define({ retries: { attempts: 5 } })).toThrow(
      /^Invalid task "shop\.send" option "retries": expected one of name, input, .* \(did you mean "retry"\?\)\.$/,
    );
    expect(define({ retry: { attempts: 5, backof: { type: 'fixed', delay: 10 } } })).toThrow(
      'Invalid retry option of task "shop.send" "backof": expected one of attempts, backoff (did you mean "backoff"?).',
    );
    expect(define({ retry: { attempts: 5, backoff: { type: 'fixed', dealy: 10 } } })).toThrow(
      'Invalid retry.backoff option of task "shop.send" "dealy"',
    );
    expect(define({ rateLimit: { limit: 5, pre: 1_000 } })).toThrow(
      'Invalid task "shop.send" rateLimit option "pre": expected one of limit, per (did you mean "per"?).',
    );
    expect(define({ timeout: { soft: 5, hrad: 10 } })).toThrow(
      'Invalid task "shop.send" timeout option "hrad"',
    );
    // The case of a key alone is suggested too.
    expect(define({ ResultTTL: 1_000 })).toThrow('(did you mean "resultTtl"?)');
    expect(() =>
      taskContract(untyped({ name: 'shop.send', input, queue: 'mail', rateLimit: 5 })),
    ).toThrow('Invalid task "shop.send" option "rateLimit"');
    // A task spread into a new one keeps its keys.
    const spread = defineTask(untyped({ ...task, name: 'shop.send2' }));
    expect(spread.name).toBe('shop.send2');
  });

  it('are refused by defineSchedule and defineWorkflow', () => {
    expect(() =>
      defineSchedule(
        untyped({ id: 'r.daily', task, cron: '0 7 * * *', timezone: 'UTC', input: { email: 'a' } }),
      ),
    ).toThrow('Invalid schedule "r.daily" option "timezone"');
    // The list names options only: `kind` is the tag a definition carries, not one of them.
    const config = { id: 'r.daily', task, cron: '0 7 * * *', input: { email: 'a' } };
    expect(() => defineSchedule(untyped({ ...config, bogus: 1 }))).toThrow(
      'Invalid schedule "r.daily" option "bogus": expected one of id, task, input, every, cron, tz, misfire, overlap, enabled.',
    );
    // A definition spread into a new one keeps its tag; any other `kind` is refused.
    expect(defineSchedule(untyped({ ...defineSchedule(config), id: 'r.again' })).id).toBe(
      'r.again',
    );
    expect(() => defineSchedule(untyped({ ...config, kind: 'task' }))).toThrow(
      'Invalid schedule "r.daily" option "kind"',
    );
    expect(() =>
      defineWorkflow(
        untyped({
          name: 'shop.wf',
          input,
          steps: (flow: { step(t: unknown): unknown }) => flow.step(task),
          timeoutMs: 5,
        }),
      ),
    ).toThrow('Invalid workflow "shop.wf" option "timeoutMs": expected one of name, input, steps.');
  });
});

describe('nearestName', () => {
  it('prefers the same letters in another case, then the fewest edits within two', () => {
    expect(nearestName('ResultTTL', ['resultTtl', 'retry'])).toBe('resultTtl');
    expect(nearestName('concurency', ['concurrency', 'queues'])).toBe('concurrency');
    expect(nearestName('retries', ['retry', 'resultTtl'])).toBe('retry');
    expect(nearestName('prefix', ['delay', 'eta'])).toBeUndefined();
  });

  it('counts two neighbouring letters swapped as one edit', () => {
    // A swap and a letter left out: three plain edits, past the limit, so no suggestion.
    expect(nearestName('emial', ['emails', 'reports'])).toBe('emails');
    expect(nearestName('dealy', ['delay', 'eta'])).toBe('delay');
    expect(nearestName('abcd', ['badc'])).toBe('badc');
    expect(nearestName('reprots', ['emails'])).toBeUndefined();
  });

  it("throws the error its caller's `toError` makes, with the key, the known names and the nearest", () => {
    class OwnError extends Error {}
    const seen: unknown[] = [];
    const toError = (unknown: object) => {
      seen.push(unknown);
      return new OwnError('own words');
    };
    expect(() =>
      assertKnownKeys({ dealy: 5 }, { delay: true, eta: true }, 'own option', toError),
    ).toThrow(OwnError);
    expect(seen).toEqual([
      { what: 'own option', key: 'dealy', known: ['delay', 'eta'], near: 'delay' },
    ]);
    expect(() => assertKnownKeys({ prefix: 1 }, { delay: true }, 'own option', toError)).toThrow(
      'own words',
    );
    expect(seen.at(-1)).toEqual({
      what: 'own option',
      key: 'prefix',
      known: ['delay'],
      near: undefined,
    });
    // Known keys, and keys set to undefined, make no error.
    expect(() =>
      assertKnownKeys(
        { delay: 1, eta: undefined, x: undefined },
        { delay: true },
        'own option',
        toError,
      ),
    ).not.toThrow();
    expect(seen).toHaveLength(2);
  });

  it('reads only own keys: an inherited one is not an option', () => {
    const options = Object.create({ inherited: 1 }) as object;
    expect(() => assertKnownKeys(options, { delay: true }, 'test option')).not.toThrow();
  });
});

describe('result options', () => {
  it('refuse a misspelt key on a job handle and a workflow handle, instead of waiting forever', async () => {
    // `{ timeoutMs }`, as three of core's own JSDoc examples wrote it, waited without end.
    const { client } = setup();
    const job = await client.enqueue(task, { email: 'a@example.com' });
    await expect(job.result(untyped({ timeoutMs: 10 }))).rejects.toThrow(
      'Invalid result option "timeoutMs": expected one of timeout, signal (did you mean "timeout"?).',
    );
    const run = await client.workflows.start(placeOrder, {
      orderId: 'o-1',
      items: [{ sku: 'a', quantity: 1 }],
    });
    await expect(run.result(untyped({ timeoutMs: 10 }))).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    await expect(job.result({ timeout: 0, signal: undefined })).rejects.toMatchObject({
      code: 'RESULT_TIMEOUT',
    });
  });
});
