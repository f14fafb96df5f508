import type { BenchPayload } from '../payload.js';

export type SystemName = 'conveyor' | 'bullmq' | 'bee-queue';

export interface ProducerOptions {
  url: string;
  queue: string;
  /** Jobs get two attempts with an immediate retry (the retry-heavy case). */
  retry?: boolean;
}

/** The enqueue side of one system, through its public API only. */
export interface Producer {
  /** One job, one call. `dueAt` (epoch ms) makes it a delayed job. */
  add(job: BenchPayload, dueAt?: number): Promise<void>;
  /** Many jobs in one call (the system's bulk API). */
  addBulk(jobs: readonly BenchPayload[], dueAt?: number): Promise<void>;
  /** Jobs still waiting, delayed or active; undefined when the system offers no count. */
  pending(): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  url: string;
  queue: string;
  concurrency: number;
  /** Every job throws on its first attempt and succeeds on the second. */
  retry?: boolean;
  /** The case enqueues delayed jobs (Bee-Queue only activates them when told to). */
  delayed?: boolean;
}

/** Called by the consumer; the handler does no other work. */
export interface ConsumerHooks {
  /** A job's handler started (the latency case). */
  onStart?(job: BenchPayload): void;
  /** The system acknowledged a completed job. */
  onCompleted(): void;
  /** The system recorded a failed attempt that will be retried. */
  onRetried(): void;
}

export interface Consumer {
  /** Starts taking jobs. */
  start(): void;
  /** Lets running jobs finish, then closes every connection. */
  stop(): Promise<void>;
}

/** One queue system under test. */
export interface SystemAdapter {
  name: SystemName;
  label: string;
  version: string;
  /** The settings used, in words, for the report. */
  settings: readonly string[];
  createProducer(options: ProducerOptions): Promise<Producer>;
  /** Connects and waits until ready, without taking jobs yet. */
  createConsumer(options: ConsumerOptions, hooks: ConsumerHooks): Promise<Consumer>;
}
