/** What a chaos worker process is told (JSON in `CHAOS_WORKER`). */
export interface WorkerSettings {
  ledgerDir: string;
  /** Standalone Redis. */
  url?: string;
  /** Redis Cluster start-up nodes (instead of `url`). */
  cluster?: Array<{ host: string; port: number }>;
  prefix: string;
  queues: string[];
  concurrency: number;
  prefetch?: number;
  leaseMs: number;
  reserveWaitMs: number;
  shutdownGraceMs: number;
  /** Run the poison task in `@conveyor/worker`'s sandbox (a child process per run slot). */
  sandboxPoison?: boolean;
  /** Run `chaos.workflow` (`createWorker({ workflows })`, with its sweeper): the workflow scenarios. */
  workflows?: boolean;
}
