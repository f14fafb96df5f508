import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.js';
import { JOB_ERROR_LIMITS, toJobError } from '../src/job-error.js';

const FIVE_MB = 5 * 1024 * 1024;

/** The count a `… [truncated N characters]` marker states, or undefined. */
function cutOf(text: string): number | undefined {
  const match = /… \[truncated ([\d,]+) characters\]$/.exec(text);
  return match ? Number(match[1]?.replaceAll(',', '')) : undefined;
}

describe('toJobError: bounded text', () => {
  it('keeps a 5 MB message to the cap, ending with a marker that counts what was cut', () => {
    const message = `bad input: ${'x'.repeat(FIVE_MB)}`;
    const error = toJobError(new Error(message));
    expect(error.message.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.message);
    expect(error.message.startsWith('bad input: xxx')).toBe(true);
    const body = error.message.slice(0, error.message.indexOf('… [truncated'));
    expect(message.startsWith(body)).toBe(true);
    expect(cutOf(error.message)).toBe(message.length - body.length);
    expect(error.message).toMatch(/… \[truncated 5,2\d\d,\d{3} characters\]$/);
  });

  it("ends the stack with the error's causes: fetch failed says nothing without its cause", () => {
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), {
      code: 'ECONNREFUSED',
    });
    const error = toJobError(new TypeError('fetch failed', { cause: root }));
    expect(error.message).toBe('fetch failed');
    expect(error.stack).toMatch(/^TypeError: fetch failed\n/);
    expect(error.stack).toContain('\nCaused by: Error: connect ECONNREFUSED 127.0.0.1:8080\n');
    // Not an Error, and a cycle: described, and followed no further than a few causes.
    const first = new Error('a', { cause: { status: 503 } });
    expect(toJobError(first).stack).toContain('\nCaused by: {"status":503}');
    const loop = new Error('loop');
    const other = new Error('other', { cause: loop });
    loop.cause = other;
    const stack = toJobError(loop).stack ?? '';
    expect(stack.split('Caused by:').length - 1).toBeLessThanOrEqual(4);
  });

  it('stores the message once: the stack repeats only the kept part, and stays under its cap', () => {
    const message = 'y'.repeat(FIVE_MB);
    const error = toJobError(new TypeError(message));
    const stack = error.stack ?? '';
    expect(stack.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.stack);
    // The first line is `TypeError: <the kept message>`, and the frames follow it.
    expect(stack.startsWith(`TypeError: ${error.message}\n`)).toBe(true);
    expect(stack).toContain('job-error.test.ts');
    expect(JSON.stringify(error).length).toBeLessThan(3 * JOB_ERROR_LIMITS.message + 8_192);
  });

  it('bounds a huge stack that does not repeat the message', () => {
    const thrown = new Error('short');
    thrown.stack = `Error: short\n${'    at frame (file.js:1:1)\n'.repeat(100_000)}`;
    const error = toJobError(thrown);
    expect(error.message).toBe('short');
    expect(error.stack?.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.stack);
    expect(cutOf(error.stack ?? '')).toBe(thrown.stack.length - (error.stack?.indexOf('… [') ?? 0));
  });

  it('leaves text within the caps unchanged, and bounding twice changes nothing', () => {
    const small = new Error('small');
    expect(toJobError(small)).toMatchObject({ message: 'small', stack: small.stack });
    const once = toJobError(new Error('z'.repeat(100_000)));
    const again = new Error(once.message);
    expect(toJobError(again).message).toBe(once.message);
  });

  it('never splits a surrogate pair', () => {
    for (let shift = 0; shift < 4; shift++) {
      const message = `${'a'.repeat(shift)}${'😀'.repeat(10_000)}`;
      const kept = toJobError(new Error(message)).message;
      const body = kept.slice(0, kept.indexOf('… ['));
      // A lone surrogate would not survive a round trip through UTF-8.
      expect(Buffer.from(body, 'utf8').toString('utf8')).toBe(body);
      expect(kept.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.message);
    }
  });

  it('bounds a thrown non-Error, a huge name and a huge code', () => {
    expect(toJobError('w'.repeat(FIVE_MB)).message.length).toBeLessThanOrEqual(
      JOB_ERROR_LIMITS.message,
    );
    expect(toJobError({ payload: 'v'.repeat(FIVE_MB) }).message.length).toBeLessThanOrEqual(
      JOB_ERROR_LIMITS.message,
    );
    const thrown = Object.assign(new Error('m'), { code: 'C'.repeat(10_000) });
    thrown.name = 'N'.repeat(10_000);
    const error = toJobError(thrown);
    expect(error.name.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.name);
    expect(error.code?.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.name);
  });
});

describe('toJobError: bounded issues', () => {
  const issue = (index: number): StandardSchemaV1.Issue => ({
    message: `bad ${index} ${'i'.repeat(1_000)}`,
    path: ['items', index, { key: 'k'.repeat(1_000) }, ...Array.from({ length: 100 }, (_, n) => n)],
  });

  it('keeps the first issues, each with a bounded message and path, and says how many were cut', () => {
    const issues = Array.from({ length: 200 }, (_, index) => issue(index));
    const error = toJobError(new ValidationError('t', 'input', issues));
    const kept = error.issues ?? [];
    expect(kept).toHaveLength(JOB_ERROR_LIMITS.issues + 1);
    expect(kept.at(-1)).toEqual({ message: '… [truncated 180 issues]' });
    const first = kept[0];
    expect(first?.message.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.issueMessage);
    expect(first?.message.startsWith('bad 0 iii')).toBe(true);
    expect(first?.path).toHaveLength(JOB_ERROR_LIMITS.pathSegments + 1);
    expect(first?.path?.slice(0, 2)).toEqual(['items', 0]);
    expect(String(first?.path?.[2]).length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.pathSegment);
    expect(first?.path?.at(-1)).toBe('… [truncated 87 segments]');
    // The whole stored error stays small, whatever the schema reported.
    expect(JSON.stringify(error).length).toBeLessThan(64 * 1024);
  });

  it('keeps a few small issues exactly', () => {
    const error = toJobError(
      new ValidationError('t', 'input', [{ message: 'Required', path: ['email'] }]),
    );
    expect(error.issues).toEqual([{ message: 'Required', path: ['email'] }]);
  });
});

describe('toJobError: a thrown value that is not an Error', () => {
  const messageOf = (thrown: unknown) => {
    const error = toJobError(thrown);
    expect(error.name).toBe('NonErrorThrown');
    return error.message;
  };

  it('quotes an object with a cycle, writing the cycle as "[Circular]"', () => {
    const thrown: Record<string, unknown> = { a: 1 };
    thrown.self = thrown;
    // Before: JSON.stringify threw, and the message was "[object Object]".
    expect(messageOf(thrown)).toBe('{"a":1,"self":"[Circular]"}');
    const list: unknown[] = ['x'];
    list.push({ back: list });
    expect(messageOf({ list })).toBe('{"list":["x",{"back":"[Circular]"}]}');
    // A value met twice on different branches is no cycle: both are written.
    const shared = { n: 1 };
    expect(messageOf({ a: shared, b: [shared] })).toBe('{"a":{"n":1},"b":[{"n":1}]}');
  });

  it('names what JSON has no form for, at the top and inside', () => {
    function named() {}
    const inside = {
      big: 10n,
      symbol: Symbol('s'),
      named,
      anonymous: [() => 1],
      error: new TypeError('m'),
      nan: Number.NaN,
      date: new Date(Date.UTC(2026, 0, 1)),
    };
    expect(messageOf(inside)).toBe(
      '{"big":"10n","symbol":"Symbol(s)","named":"[Function: named]",' +
        '"anonymous":["[Function (anonymous)]"],"error":"TypeError: m","nan":"NaN",' +
        '"date":"2026-01-01T00:00:00.000Z"}',
    );
    expect(messageOf(10n)).toBe('10n');
    expect(messageOf(Symbol('s'))).toBe('Symbol(s)');
    expect(messageOf(named)).toBe('[Function: named]');
    expect(messageOf(Number.NaN)).toBe('NaN');
    expect(messageOf(undefined)).toBe('undefined');
    expect(messageOf(null)).toBe('null');
    expect(messageOf(42)).toBe('42');
    expect(messageOf('plain text')).toBe('plain text');
  });

  it('never throws, even for a value neither JSON nor String() can read', () => {
    const unreadable = Object.create(null) as object;
    Object.defineProperty(unreadable, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(messageOf(unreadable)).toBe('[object Object]');
  });

  it('stops writing a huge, deep or repeatedly shared value once past the cap', () => {
    // A DAG of 2^20 paths, which its 41 objects write out as tens of MB of JSON.
    let shared: object = { leaf: 'x' };
    for (let level = 0; level < 20; level++) shared = { a: shared, b: shared };
    let deep: object = {};
    for (let level = 0; level < 100_000; level++) deep = { next: deep };
    const long = Array.from({ length: 1_000_000 }, (_, index) => index);
    for (const [thrown, start] of [
      [shared, '{"a":{"a":{"a":'],
      [deep, '{"next":{"next":'],
      [long, '[0,1,2,3,'],
    ] as const) {
      const message = messageOf(thrown);
      expect(message.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.message);
      expect(message.length).toBeGreaterThan(JOB_ERROR_LIMITS.message - 100);
      expect(message.startsWith(start)).toBe(true);
      expect(message.endsWith('… [truncated]')).toBe(true);
    }
  });
});
