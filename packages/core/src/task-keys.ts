import { assertKnownKeys, type KnownKeys } from './known-keys.js';
import type { AnyTaskDefinition, TaskContract } from './task.js';
import type { RateLimitOptions, TimeLimitOptions } from './task-run-options.js';

// The keys each object a task is made of may have: a misspelt one (`retires`, `timout`)
// is refused instead of ignored (see assertKnownKeys).

/** A task's own keys; those of a task it was spread from (`partitions`) are allowed too. */
const TASK_KEYS = {
  name: true,
  input: true,
  output: true,
  run: true,
  queue: true,
  partitions: true,
  partitionBy: true,
  priority: true,
  retry: true,
  timeout: true,
  resultTtl: true,
  fingerprint: true,
  index: true,
  rateLimit: true,
  concurrencyLimit: true,
  sandbox: true,
  removeOnComplete: true,
} as const satisfies KnownKeys<Omit<AnyTaskDefinition, '~result' | 'kind'>>;

const CONTRACT_KEYS = {
  name: true,
  input: true,
  output: true,
  queue: true,
  partitions: true,
  partitionBy: true,
  priority: true,
  retry: true,
  resultTtl: true,
  fingerprint: true,
  index: true,
} as const satisfies KnownKeys<Omit<TaskContract, '~result' | 'kind'>>;

const RATE_LIMIT_KEYS = { limit: true, per: true } as const satisfies KnownKeys<RateLimitOptions>;

const TIME_LIMIT_KEYS = {
  soft: true,
  hard: true,
} as const satisfies KnownKeys<Exclude<TimeLimitOptions, number>>;

const label = (name: unknown): string => `task ${JSON.stringify(name)}`;

/** A `defineTask` config's keys (`kind: 'task'`) or a `taskContract` config's. */
export function assertTaskKeys(config: object, kind: 'task' | 'contract'): void {
  const name = (config as { name?: unknown }).name;
  assertKnownKeys(config, kind === 'task' ? TASK_KEYS : CONTRACT_KEYS, `${label(name)} option`);
}

export function assertRateLimitKeys(rateLimit: object, task: string): void {
  assertKnownKeys(rateLimit, RATE_LIMIT_KEYS, `${label(task)} rateLimit option`);
}

export function assertTimeLimitKeys(timeout: object, task: string): void {
  assertKnownKeys(timeout, TIME_LIMIT_KEYS, `${label(task)} timeout option`);
}
