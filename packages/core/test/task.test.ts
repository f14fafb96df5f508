import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidOptionError } from '../src/errors.js';
import { createTaskRegistry } from '../src/registry.js';
import {
  type AnyTaskDefinition,
  assertPriority,
  DEFAULT_PRIORITY,
  DEFAULT_QUEUE,
  defineTask,
  MAX_PRIORITY,
  MIN_PRIORITY,
  type TimeLimitOptions,
  taskContract,
} from '../src/task.js';
import { resolveTimeLimits } from '../src/task-run-options.js';

const input = z.object({ email: z.string() });
const run = () => 'sent';

/** defineTask with config a JavaScript caller (or a wrong cast) could pass. */
function defineUntyped(config: Record<string, unknown>): AnyTaskDefinition {
  return defineTask({ name: 'shop.send', input, run, ...config } as never);
}

function invalidOption(define: () => unknown): InvalidOptionError {
  try {
    define();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).code).toBe('INVALID_OPTION');
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError, but nothing was thrown');
}

describe('defineTask', () => {
  it('returns the config as a frozen task definition', () => {
    const task = defineTask({
      name: 'shop.sendWelcomeEmail',
      input,
      queue: 'emails',
      priority: 7,
      retry: { attempts: 5 },
      timeout: { soft: 1_000, hard: 2_000 },
      resultTtl: 60_000,
      run,
    });
    expect(task).toMatchObject({
      name: 'shop.sendWelcomeEmail',
      input,
      queue: 'emails',
      priority: 7,
      retry: { attempts: 5 },
      timeout: { soft: 1_000, hard: 2_000 },
      resultTtl: 60_000,
      run,
    });
    expect(Object.isFrozen(task)).toBe(true);
    expect(() => {
      (task as { name: string }).name = 'other';
    }).toThrow(TypeError);
    expect(task.name).toBe('shop.sendWelcomeEmail');
  });

  it('copies the config, so later changes to it do not leak into the task', () => {
    const config = { name: 'shop.copy', input, queue: 'emails', run };
    const task = defineTask(config);
    expect(task).not.toBe(config);
    config.queue = 'other';
    expect(task.queue).toBe('emails');
  });

  it('has the documented defaults', () => {
    expect([DEFAULT_QUEUE, DEFAULT_PRIORITY, MIN_PRIORITY, MAX_PRIORITY]).toEqual([
      'default',
      5,
      0,
      9,
    ]);
  });

  it.each(['a', 'shop.sendWelcomeEmail', 'billing/charge-card:v2', 'x_y', 'n'.repeat(128)])(
    'accepts the task name %s',
    (name) => {
      expect(defineTask({ name, input, run }).name).toBe(name);
    },
  );

  it.each(['', 'has space', 'n'.repeat(129), 'émoji', 'semi;colon'])(
    'rejects the task name %j, quoting it',
    (name) => {
      const error = invalidOption(() => defineTask({ name, input, run }));
      expect(error.message).toBe(
        `Invalid task name ${JSON.stringify(name)}: expected 1–128 characters from A–Z, a–z, 0–9, "_", ".", ":", "/" and "-".`,
      );
    },
  );

  it('rejects a name that is not a string', () => {
    expect(invalidOption(() => defineUntyped({ name: 42 })).message).toContain('task name 42');
  });

  it.each([
    ['a plain object', { parse: () => ({}) }],
    ['a string', 'z.string()'],
    ['undefined', undefined],
    ['a ~standard without validate', { '~standard': { version: 1, vendor: 'x' } }],
  ])('rejects %s as the input schema, naming the task', (_label, schema) => {
    const error = invalidOption(() => defineUntyped({ input: schema }));
    expect(error.message).toMatch(/^Invalid input schema of task "shop\.send" /);
    expect(error.message).toContain('expected a zod (or other Standard Schema) schema');
    // Left out, it read '"undefined"', as if the string had been given.
    if (schema === undefined) expect(error.message).toContain('"shop.send" (missing): expected');
  });

  it('rejects an output that is not a schema', () => {
    const error = invalidOption(() => defineUntyped({ output: { shape: {} } }));
    expect(error.message).toMatch(/^Invalid output schema of task "shop\.send" /);
  });

  it('accepts any Standard Schema, not only zod', () => {
    const custom = {
      '~standard': {
        version: 1 as const,
        vendor: 'custom',
        validate: (value: unknown) => ({ value: value as number }),
      },
    };
    expect(defineTask({ name: 'custom', input: custom, run }).input).toBe(custom);
  });

  it('rejects a run that is not a function', () => {
    const error = invalidOption(() => defineUntyped({ run: 'go' }));
    expect(error.message).toBe('Invalid run of task "shop.send" "go": expected a function.');
    // Left out, it read 'Invalid run of task "shop.send" undefined'.
    const missing = invalidOption(() => defineUntyped({ run: undefined }));
    expect(missing.message).toBe(
      'Invalid run of task "shop.send" (missing): expected a function (the task\'s work: async run(input, ctx) { … }), or taskContract() for a task that other code runs.',
    );
  });

  it.each(['emails', 'a.b-c_d', 'q'.repeat(64)])('accepts the queue %s', (queue) => {
    expect(defineTask({ name: 'shop.send', input, queue, run }).queue).toBe(queue);
  });

  it.each(['', 'has space', 'a:b', 'q'.repeat(65)])('rejects the queue %j, quoting it', (queue) => {
    const error = invalidOption(() => defineTask({ name: 'shop.send', input, queue, run }));
    expect(error.message).toContain(JSON.stringify(queue));
    expect(error.message).toContain('1–64 characters');
  });

  it('rejects a queue that is not a string', () => {
    invalidOption(() => defineUntyped({ queue: 123 }));
  });

  it.each([0, 5, 9])('accepts priority %s', (priority) => {
    expect(defineTask({ name: 'shop.send', input, priority, run }).priority).toBe(priority);
  });

  it.each([-1, 10, 2.5, Number.NaN])('rejects priority %s, quoting it', (priority) => {
    const error = invalidOption(() => defineTask({ name: 'shop.send', input, priority, run }));
    expect(error.message).toBe(
      `Invalid priority of task "shop.send" ${priority}: expected an integer from 0 (lowest) to 9 (highest).`,
    );
  });

  it('rejects a priority given as a string', () => {
    expect(invalidOption(() => defineUntyped({ priority: '5' })).message).toContain('"5"');
  });

  it('validates the retry options', () => {
    const error = invalidOption(() =>
      defineTask({ name: 'shop.send', input, retry: { attempts: 0 }, run }),
    );
    // Named with its task, as the other options of defineTask are.
    expect(error.message).toContain('retry.attempts of task "shop.send" 0');
    // A number where the object goes read as "Invalid retry.attempts undefined".
    expect(
      invalidOption(() => defineTask({ name: 'shop.send', input, retry: 5 as never, run })).message,
    ).toBe(
      'Invalid retry of task "shop.send" 5: expected { attempts, backoff? }, e.g. { attempts: 5 }.',
    );
    // And so did a backoff without its attempts.
    expect(
      invalidOption(() =>
        defineTask({
          name: 'shop.send',
          input,
          retry: { backoff: { type: 'fixed', delay: 10 } } as never,
          run,
        }),
      ).message,
    ).toBe(
      'Invalid retry.attempts of task "shop.send" (missing): expected an integer from 1 to 1000: a retry option needs its attempts, e.g. { attempts: 5, backoff }; leave retry out for the default 3 attempts.',
    );
    invalidOption(() =>
      defineTask({
        name: 'shop.send',
        input,
        retry: { attempts: 2, backoff: { type: 'fixed', delay: -1 } },
        run,
      }),
    );
  });

  it('takes removeOnComplete as true or false only, quoting anything else', () => {
    expect(
      defineTask({ name: 'shop.send', input, removeOnComplete: true, run }).removeOnComplete,
    ).toBe(true);
    const error = invalidOption(() =>
      defineTask({ name: 'shop.send', input, removeOnComplete: 'yes' as never, run }),
    );
    expect(error.message).toBe(
      'Invalid removeOnComplete of task "shop.send" "yes": expected true or false.',
    );
  });

  it('rejects a negative resultTtl', () => {
    const error = invalidOption(() => defineTask({ name: 'shop.send', input, resultTtl: -1, run }));
    expect(error.message).toContain('resultTtl of task "shop.send" -1');
    // 0 kept a result for no time: a waiting result() got it on one transport, not another.
    expect(
      invalidOption(() => defineTask({ name: 'shop.send', input, resultTtl: 0, run })).message,
    ).toBe(
      'Invalid resultTtl of task "shop.send" 0: expected a duration in ms, more than 0: a result kept for 0 ms cannot be read.',
    );
  });

  it('takes index as at most 4 distinct dot paths, quoting anything else', () => {
    const task = defineTask({
      name: 'shop.send',
      input: z.object({
        email: z.string(),
        customer: z.object({ id: z.number() }),
        '$ref_1-x': z.string(),
      }),
      index: ['email', 'customer.id', '$ref_1-x'],
      run,
    });
    expect(task.index).toEqual(['email', 'customer.id', '$ref_1-x']);
    for (const index of [
      'email',
      ['a', 'b', 'c', 'd', 'e'],
      ['a', 'a'],
      ['a..b'],
      ['.a'],
      ['a b'],
      [''],
      [42],
      ['x'.repeat(201)],
    ]) {
      const error = invalidOption(() => defineUntyped({ index }));
      expect(error.message).toContain(`Invalid index of task "shop.send" ${JSON.stringify(index)}`);
      expect(error.message).toContain('at most 4 distinct fields');
    }
    invalidOption(() => taskContract({ name: 'ok', input, index: ['a/b'] }));
  });

  // index: ['password'] was taken, and Redis then held the password in a key's name.
  it('refuses to index a field that names a secret, in any case and at any depth', () => {
    // The dashboard's names too (cardNumber, cvv, x-api-key were taken and stored in key names).
    for (const index of [
      ['password'],
      ['email', 'user.apiKey'],
      ['auth.Token'],
      ['cardNumber'],
      ['cust.Cvv'],
      ['headers.x-api-key'],
    ]) {
      const error = invalidOption(() => defineUntyped({ index }));
      expect(error.message).toContain(`Invalid index of task "shop.send" ${JSON.stringify(index)}`);
      expect(error.message).toContain('expected no secret:');
      expect(error.message).toContain("in a key's name on Redis");
    }
    const loose = z.looseObject({});
    expect(defineUntyped({ input: loose, index: ['passwordHint', 'tokens.count'] }).index).toEqual([
      'passwordHint',
      'tokens.count',
    ]);
  });

  // index: ['emial'] was taken: no job was indexed, and a search by email found nothing,
  // while the same typo in queue.partitionBy was refused.
  it('refuses an index field the input schema has no field for, as partitionBy does', () => {
    expect(invalidOption(() => defineUntyped({ index: ['emial'] })).message).toBe(
      `Invalid index of task "shop.send" "emial": expected a dot path through the input schema's fields, but the input schema has no field "emial" (its fields: email; did you mean "email"?).`,
    );
    const nested = z.object({ email: z.string(), customer: z.object({ id: z.number() }) });
    const error = invalidOption(() =>
      defineUntyped({ input: nested, index: ['email', 'customer.ID'] }),
    );
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain(
      'but input.customer has no field "ID" (its fields: id; did you mean "id"?)',
    );
    // A hand-written contract (codegen's too) is held to the same rule.
    expect(
      invalidOption(() => taskContract({ name: 'ok', input, index: ['mail'] })).message,
    ).toContain('has no field "mail"');
    // Past a schema whose fields are not all known, any path goes.
    const open = z.object({ meta: z.record(z.string(), z.string()) });
    expect(defineUntyped({ input: open, index: ['meta.source'] }).index).toEqual(['meta.source']);
  });

  it('validates the timeout', () => {
    expect(
      invalidOption(() => defineTask({ name: 'shop.send', input, timeout: -5, run })).message,
    ).toContain('timeout of task "shop.send" -5');
    const soft = invalidOption(() =>
      defineTask({ name: 'shop.send', input, timeout: { soft: 5_000, hard: 1_000 }, run }),
    );
    expect(soft.message).toBe(
      'Invalid timeout of task "shop.send" {"soft":5000,"hard":1000}: expected soft no later than hard.',
    );
    // A limit of 0 failed every run at once.
    for (const timeout of [0, { hard: 0 }, { soft: 0 }]) {
      expect(
        invalidOption(() => defineTask({ name: 'shop.send', input, timeout, run })).message,
      ).toMatch(/: expected a time limit in ms, more than 0 \(leave it out for no limit\)\.$/);
    }
  });
});

describe('taskContract', () => {
  it('returns a frozen contract without run', () => {
    const contract = taskContract({
      name: 'shop.sendWelcomeEmail',
      input,
      queue: 'emails',
      fingerprint: 'sha256:0123',
    });
    expect(contract).toEqual({
      name: 'shop.sendWelcomeEmail',
      input,
      queue: 'emails',
      fingerprint: 'sha256:0123',
    });
    expect(Object.isFrozen(contract)).toBe(true);
    expect('run' in contract).toBe(false);
  });

  it('validates like defineTask', () => {
    invalidOption(() => taskContract({ name: 'bad name', input }));
    invalidOption(() => taskContract({ name: 'ok', input: {} as never }));
    invalidOption(() => taskContract({ name: 'ok', input, priority: 12 }));
    invalidOption(() => taskContract({ name: 'ok', input, retry: { attempts: 1.5 } }));
  });
});

describe('createTaskRegistry', () => {
  const a = defineTask({ name: 'a', input, run });
  const b = defineTask({ name: 'b', input, run });

  it('finds tasks by name and lists the names sorted', () => {
    const registry = createTaskRegistry([b, a]);
    expect(registry.get('a')).toBe(a);
    expect(registry.get('b')).toBe(b);
    expect(registry.get('c')).toBeUndefined();
    expect(registry.names()).toEqual(['a', 'b']);
  });

  it('takes a module namespace-like record, using task names rather than keys', () => {
    const registry = createTaskRegistry({ first: a, second: b });
    expect(registry.names()).toEqual(['a', 'b']);
    expect(registry.get('first')).toBeUndefined();
  });

  it('rejects two different tasks with the same name, quoting the name', () => {
    const other = defineTask({ name: 'a', input, run: () => 'other' });
    const error = invalidOption(() => createTaskRegistry([a, b, other]));
    expect(error.message).toBe(
      'Invalid task list "a": expected unique task names (this one appears twice).',
    );
  });

  it('rejects a value that is not a task, naming what it got', () => {
    const error = invalidOption(() =>
      createTaskRegistry({ a, helper: { format: () => '' } } as never),
    );
    expect(error.message).toContain('["format"]');
    expect(error.message).toContain('tasks made by defineTask');
  });

  it('accepts the same task object twice (re-exported from two modules)', () => {
    expect(createTaskRegistry([a, a]).names()).toEqual(['a']);
  });

  it('hands out a copy of the names, so callers cannot change the registry', () => {
    const registry = createTaskRegistry([a]);
    registry.names().push('injected');
    expect(registry.names()).toEqual(['a']);
  });
});

describe('resolveTimeLimits', () => {
  it('has no limits when no timeout is given', () => {
    expect(resolveTimeLimits(undefined, 't')).toEqual({});
  });

  it('makes a number both the soft and the hard limit', () => {
    expect(resolveTimeLimits(30_000, 't')).toEqual({ softMs: 30_000, hardMs: 30_000 });
    // 0 is no limit for the worker's defaultTimeout; for a task it failed every run at once.
    expect(() => resolveTimeLimits(0, 't')).toThrow(/more than 0/);
  });

  it('keeps soft and hard apart, each optional', () => {
    expect(resolveTimeLimits({ soft: 1_000, hard: 5_000 }, 't')).toEqual({
      softMs: 1_000,
      hardMs: 5_000,
    });
    expect(resolveTimeLimits({ soft: 1_000 }, 't')).toEqual({ softMs: 1_000 });
    expect(resolveTimeLimits({ hard: 5_000 }, 't')).toEqual({ hardMs: 5_000 });
    expect(resolveTimeLimits({ soft: 2_000, hard: 2_000 }, 't')).toEqual({
      softMs: 2_000,
      hardMs: 2_000,
    });
  });

  it('rejects soft later than hard, quoting the option', () => {
    const error = invalidOption(() => resolveTimeLimits({ soft: 3, hard: 2 }, 'shop.x'));
    expect(error.message).toContain('timeout of task "shop.x" {"soft":3,"hard":2}');
  });

  it('rejects invalid soft or hard values, naming which', () => {
    expect(invalidOption(() => resolveTimeLimits({ soft: -1 }, 't')).message).toMatch(
      /^Invalid timeout of task "t" \(soft\) -1: /,
    );
    expect(
      invalidOption(() => resolveTimeLimits({ hard: Number.POSITIVE_INFINITY }, 't')).message,
    ).toMatch(/^Invalid timeout of task "t" \(hard\) Infinity: /);
    invalidOption(() => resolveTimeLimits(Number.NaN, 't'));
  });

  it.each([
    ['a string', '30s'],
    ['null', null],
    ['a boolean', true],
  ])('rejects %s as the timeout instead of ignoring it', (_label, timeout) => {
    const error = invalidOption(() => resolveTimeLimits(timeout as TimeLimitOptions, 'shop.x'));
    expect(error.message).toBe(
      `Invalid timeout of task "shop.x" ${JSON.stringify(timeout)}: expected a number of ms or { soft?, hard? }.`,
    );
  });
});

describe('assertPriority', () => {
  it('names the option in its message', () => {
    expect(() => assertPriority(10, 'priority of the call')).toThrow(
      'Invalid priority of the call 10',
    );
    expect(() => assertPriority(10)).toThrow(/^Invalid priority 10: /);
    expect(() => assertPriority(MIN_PRIORITY)).not.toThrow();
    expect(() => assertPriority(MAX_PRIORITY)).not.toThrow();
  });
});
