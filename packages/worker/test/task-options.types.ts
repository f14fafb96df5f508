// Type-level checks, compiled by `pnpm typecheck` (tsc) and never run: a wrong option
// must not compile. (Kept out of vitest's typecheck runner, which costs a second tsc pass.)
import { defineTask, type TaskDefinition } from '@conveyor/core';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import type { createWorker } from '../src/index.js';

const input = z.object({ sku: z.string() });

export function typesTheRunOptions(): void {
  const task = defineTask({
    name: 'shop.sync',
    input,
    rateLimit: { limit: 100, per: 1_000 },
    concurrencyLimit: 5,
    sandbox: true,
    run: ({ sku }) => sku,
  });
  expectTypeOf(task.rateLimit).toEqualTypeOf<{ limit: number; per: number } | undefined>();
  expectTypeOf(task.concurrencyLimit).toEqualTypeOf<number | undefined>();
  expectTypeOf(task).toMatchTypeOf<TaskDefinition>();
}

export function rejectsMalformedOptions(): void {
  // @ts-expect-error: `per` is required
  defineTask({ name: 'a', input, rateLimit: { limit: 1 }, run: () => 1 });
  // @ts-expect-error: a number, not a string
  defineTask({ name: 'a', input, concurrencyLimit: '5', run: () => 1 });
  // @ts-expect-error: a boolean
  defineTask({ name: 'a', input, sandbox: 'child', run: () => 1 });
}

export function typesTheSandboxOption(): void {
  type Options = Parameters<typeof createWorker>[0];
  expectTypeOf<{ module: string; tasks: 'all' }>().toMatchTypeOf<NonNullable<Options['sandbox']>>();
  // @ts-expect-error: tasks is 'marked' or 'all'
  const bad: NonNullable<Options['sandbox']> = { module: './x.js', tasks: 'some' };
  void bad;
}
