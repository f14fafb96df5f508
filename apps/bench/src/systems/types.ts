import type { BenchPayload } from '../payload.js';

export type SystemName = 'conveyor' | 'bullmq' | 'bee-queue';

/** A Redis Cluster's startup nodes (the cluster cases connect to these instead of `url`). */
export type ClusterNodes = readonly { host: string; port: number }[];

/** Where a producer or consumer connects, and how its queue is declared. */
interface Target {
  url: string;
  /** Connect to this Redis Cluster instead of `url`. */
  cluster?: ClusterNodes;
  /**
   * The queue is declared with this many partitions (Conveyor only, 2 or more): its jobs
   * spread over as many hash slots. Absent: one queue, one slot.
   */
  partitions?: number;
}

export interface ProducerOptions extends Target {
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

export interface ConsumerOptions extends Target {
  queue: string;
  concurrency: number;
  /** Every job throws on its first attempt and succeeds on the second. */
  retry?: boolean;
  /** The case enqueues delayed jobs (Bee-Queue only activates them when told to). */
  delayed?: boolean;
  /**
   * The schedules this worker runs (the schedules case). Conveyor's worker is given them
   * (`createWorker({ schedules })`) and declares them again at start; BullMQ's runs the jobs
   * its schedulers made and makes each one's next job, as it always does.
   */
  schedules?: ScheduleSet;
  /**
   * The flow this worker runs (the flow case): its children and its parent, on `queue`.
   * Conveyor's worker is given the workflow (`createWorker({ workflows })`); BullMQ's runs
   * the flow's parent and children as the jobs they are.
   */
  flow?: FlowSet;
}

/** One parent with `children` children, all on one queue (the flow case). */
export interface FlowSet {
  queue: string;
  children: number;
}

/** What the parent received from its children, checked by the harness after the run. */
export interface FlowOutcome {
  /** Results the parent received. */
  count: number;
  /** Results that were not the child's own value at its place in the order of the children. */
  misplaced: number;
}

/** A system's flows, driven from the harness: starts one parent with its children. */
export interface Flows {
  /** Adds the parent and its children through the system's public API. */
  start(set: FlowSet): Promise<void>;
  /** What the parent received, once it has completed; undefined when it has not. */
  outcome(): Promise<FlowOutcome | undefined>;
  close(): Promise<void>;
}

/**
 * Schedules `bench-0` … `bench-<count - 1>` on one queue, all with the same cron pattern
 * (UTC) and the `i`-th payload as input, so that every one is due at the same instant.
 */
export interface ScheduleSet {
  queue: string;
  count: number;
  /** Six fields, seconds first: `'<s> * * * * *'` fires once a minute at second `s`. */
  cron: string;
}

/** A system's periodic schedules, driven from the harness. */
export interface Schedules {
  /** Upserts every schedule of the set through the system's public API; resolves when stored. */
  declare(set: ScheduleSet): Promise<void>;
  /** Schedules stored on the set's queue. */
  stored(set: ScheduleSet): Promise<number>;
  /** Jobs on the set's queue waiting or running (not the delayed jobs of later slots). */
  unfinished(set: ScheduleSet): Promise<number>;
  close(): Promise<void>;
}

/** Called by the consumer; the handler does no other work. */
export interface ConsumerHooks {
  /** A job's handler started (the latency case). */
  onStart?(job: BenchPayload): void;
  /** The system acknowledged a completed job. */
  onCompleted(): void;
  /** The system recorded a failed attempt that will be retried. */
  onRetried(): void;
  /** The flow case: the system acknowledged the flow's parent as completed. */
  onParentCompleted?(): void;
}

export interface Consumer {
  /**
   * Starts taking jobs. Resolves when the consumer is working: for Conveyor's worker with
   * schedules, once it has declared them (the first thing `start` does).
   */
  start(): Promise<void>;
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
  /**
   * Connects and waits until ready, without taking jobs yet. With `options.schedules`, ready
   * includes whatever the consumer does with them before it can fire their slots.
   */
  createConsumer(options: ConsumerOptions, hooks: ConsumerHooks): Promise<Consumer>;
  /** Absent when the system has no periodic schedules (Bee-Queue). */
  createSchedules?(options: { url: string }): Promise<Schedules>;
  /** Absent when the system has no parent/children jobs (Bee-Queue). */
  createFlows?(options: { url: string }): Promise<Flows>;
}
