import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../src/client.js';
import { InvalidOptionError, ValidationError } from '../src/errors.js';
import { formatIssues, quoteValue } from '../src/issues.js';
import { memoryTransport } from '../src/memory/index.js';
import { defineSchedule } from '../src/schedule/define-schedule.js';
import { defineTask } from '../src/task.js';

const signup = defineTask({
  name: 'shop.signup',
  input: z.object({
    email: z.email(),
    profile: z.object({ age: z.number().int().min(13), tags: z.array(z.string()) }),
  }),
  run: () => 1,
});

async function enqueueError(input: unknown): Promise<ValidationError> {
  const client = createClient({ transport: memoryTransport() });
  const error = await client.enqueue(signup, input as never).catch((caught: unknown) => caught);
  await client.close();
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('a producer validation error quotes the value at each issue', () => {
  it('names the path, the schema message and the value found there', async () => {
    const error = await enqueueError({
      email: 'bob@',
      profile: { age: 12.5, tags: ['ok', 7] },
    });
    expect(error.message).toContain('email: Invalid email address (got "bob@")');
    expect(error.message).toMatch(/profile\.age: [^;]+ \(got 12\.5\)/);
    expect(error.message).toContain(
      'profile.tags.1: Invalid input: expected string, received number (got 7)',
    );
  });

  it('quotes a member whose value is undefined, which JSON would drop', async () => {
    const strict = defineTask({
      name: 'shop.strict',
      input: z.strictObject({ a: z.number() }),
      run: () => 1,
    });
    const client = createClient({ transport: memoryTransport() });
    const error = await client.enqueue(strict, { a: 1, b: undefined } as never).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    await client.close();
    expect(error?.message).toContain('Unrecognized key: "b" (got {"a":1,"b":undefined})');
    expect(quoteValue([1, undefined])).toBe('[1,undefined]');
    expect(quoteValue(undefined)).toBe('undefined');
  });

  it('quotes nothing for a missing field, and the whole value for a wrong root', async () => {
    const missing = await enqueueError({ email: 'a@example.com' });
    expect(missing.message).toMatch(/profile: Invalid input: expected object, received undefined$/);
    const root = await enqueueError('just text');
    expect(root.message).toContain('received string (got "just text")');
  });

  it('cuts a long value to its start and length', async () => {
    const email = `${'x'.repeat(500)}@`;
    const error = await enqueueError({ email, profile: { age: 20, tags: [] } });
    expect(error.message).toContain(`(got "${'x'.repeat(79)}… (503 chars))`);
    expect(error.message.length).toBeLessThan(300);
  });

  it('quotes the value after its JSON trip when that is what failed', async () => {
    const stamped = defineTask({
      name: 'shop.stamped',
      input: z.object({ at: z.custom<Date>((value) => value instanceof Date, 'not a Date') }),
      run: () => 1,
    });
    const client = createClient({ transport: memoryTransport() });
    const at = new Date(Date.UTC(2026, 0, 2));
    const error = await client.enqueue(stamped, { at }).catch((caught: unknown) => caught);
    await client.close();
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', afterJson: true });
    expect((error as Error).message).toContain('at: not a Date (got "2026-01-02T00:00:00.000Z")');
  });

  it('in a schedule, quotes the value too', () => {
    expect(() =>
      defineSchedule({
        id: 'nightly',
        cron: '0 3 * * *',
        task: signup,
        input: { email: 3 } as never,
      }),
    ).toThrow(/email: [^;]+ \(got 3\)/);
  });
});

describe('formatIssues and quoteValue', () => {
  it('quote only when given the value', () => {
    const issues = [{ message: 'Too small', path: ['n'] }];
    expect(formatIssues(issues)).toBe('n: Too small');
    expect(formatIssues(issues, { value: { n: 0 } })).toBe('n: Too small (got 0)');
    expect(formatIssues(issues, { value: { m: 0 } })).toBe('n: Too small');
  });

  it('render values JSON has no form for', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(quoteValue(10n)).toBe('10n');
    expect(quoteValue(() => 1)).toBe('a function');
    expect(quoteValue(undefined)).toBe('undefined');
    expect(quoteValue(Number.NaN)).toBe('NaN');
    expect(quoteValue(new Date(Date.UTC(2026, 0, 1)))).toBe('Date 2026-01-01T00:00:00.000Z');
    expect(quoteValue(new Date(Number.NaN))).toBe('Invalid Date');
    // A cycle is marked where it closes, not lost to "[object Object]".
    expect(quoteValue(circular)).toBe('{"self":[Circular]}');
    // Bare, so that it differs from data that holds the string.
    expect(quoteValue({ self: '[Circular]' })).toBe('{"self":"[Circular]"}');
    const shared = { n: 1 };
    const deep: Record<string, unknown> = { a: shared, b: shared, list: [1n, Number.NaN] };
    (deep.list as unknown[]).push(deep);
    // A value seen twice but not inside itself is written both times.
    expect(quoteValue(deep)).toBe('{"a":{"n":1},"b":{"n":1},"list":[1n,NaN,[Circular]]}');
    expect(quoteValue(Symbol('s'))).toBe('Symbol(s)');
  });
});

describe('an option error quotes numbers JSON has no form for', () => {
  it('as they read in code, inside objects and arrays too', () => {
    // Before: {"catchUp":null}, which the caller never wrote; a bigint inside threw.
    const error = new InvalidOptionError(
      'misfire',
      { catchUp: Infinity, n: 10n, x: Number.NaN },
      'x',
    );
    expect(error.message).toBe('Invalid misfire {"catchUp":Infinity,"n":10n,"x":NaN}: expected x.');
    expect(new InvalidOptionError('v', [1, -Infinity, 'a"b'], 'x').message).toBe(
      'Invalid v [1,-Infinity,"a\\"b"]: expected x.',
    );
  });
});
