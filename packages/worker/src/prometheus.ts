import type { QueueCounts } from '@conveyor/core';
import { Counter, Gauge, Registry } from 'prom-client';
import { registerDurationHistogram } from './duration-histogram.js';
import type { CounterName, TaskCounters, WorkerEvent } from './stats.js';

export interface PrometheusMetrics {
  record(event: WorkerEvent): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

const DESCRIPTIONS: Record<CounterName, [string, string]> = {
  completed: ['conveyor_jobs_completed_total', 'Jobs completed, per task.'],
  failed: [
    'conveyor_jobs_failed_total',
    'Jobs failed for good (not retried, not dead-lettered), per task.',
  ],
  retried: ['conveyor_jobs_retried_total', 'Failed runs scheduled for another attempt, per task.'],
  dead: ['conveyor_jobs_dead_total', 'Jobs moved to the dead-letter set, per task.'],
  cancelled: ['conveyor_jobs_cancelled_total', 'Running jobs ended by a cancel, per task.'],
  released: [
    'conveyor_jobs_released_total',
    'Jobs given back to their queue at shutdown, per task.',
  ],
  staleSettles: [
    'conveyor_settles_stale_total',
    'Settlements the transport rejected because the lease had expired, per task.',
  ],
  settleErrors: [
    'conveyor_settle_errors_total',
    'Settlements lost to a failed settle call, per task.',
  ],
  leasesLost: ['conveyor_leases_lost_total', 'Leases found lost at a heartbeat, per task.'],
  softTimeLimits: [
    'conveyor_soft_time_limits_total',
    'Jobs that hit their soft time limit, per task.',
  ],
  hardTimeLimits: [
    'conveyor_hard_time_limits_total',
    'Jobs that hit their hard time limit, per task.',
  ],
  schemaSkew: [
    'conveyor_schema_skew_total',
    "Deliveries whose producer's schema fingerprint differs from this worker's task, per task.",
  ],
  scheduleFired: [
    'conveyor_schedule_fires_total',
    "Schedule slots this worker fired (claimed and enqueued the slot's job), per task.",
  ],
};

/** Prometheus metrics of one worker, in a registry of its own (not prom-client's global one). */
export function createPrometheusMetrics(gauges: {
  inFlight: () => number;
  running: () => number;
  /** Jobs held at a rate limit or concurrency cap. */
  waitingForLimits: () => number;
  /** Counts of the worker's queues (empty without `transport.admin`). */
  queueDepths: () => Promise<QueueCounts[]>;
  /** The worker's live counters per task (its stats), read at scrape time. */
  countsByTask: () => Iterable<[string, Readonly<TaskCounters>]>;
}): PrometheusMetrics {
  const registry = new Registry();
  // Counters are read from the worker's own per-task counts when scraped, not
  // incremented per job: a labelled inc hashes its labels on every call.
  for (const [type, [name, help]] of Object.entries(DESCRIPTIONS) as Array<
    [CounterName, [string, string]]
  >) {
    new Counter({
      name,
      help,
      labelNames: ['task'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [task, counts] of gauges.countsByTask()) {
          if (counts[type] > 0) this.inc({ task }, counts[type]);
        }
      },
    });
  }
  const duration = registerDurationHistogram(registry, {
    name: 'conveyor_job_duration_seconds',
    help: 'How long runs took, per task and outcome.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  });
  new Gauge({
    name: 'conveyor_jobs_in_flight',
    help: 'Jobs this worker holds a lease on (running, waiting for a slot or being settled).',
    registers: [registry],
    collect() {
      this.set(gauges.inFlight());
    },
  });
  new Gauge({
    name: 'conveyor_jobs_running',
    help: 'Jobs running now.',
    registers: [registry],
    collect() {
      this.set(gauges.running());
    },
  });
  new Gauge({
    name: 'conveyor_jobs_waiting_for_limits',
    help: 'Jobs held (leased) until their task rate limit or concurrency cap lets them start.',
    registers: [registry],
    collect() {
      this.set(gauges.waitingForLimits());
    },
  });
  new Gauge({
    name: 'conveyor_queue_jobs',
    help: "Jobs in each of this worker's queues, per state (read from the broker at most every 5 s).",
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const counts of await gauges.queueDepths()) {
        for (const state of ['waiting', 'delayed', 'active', 'dead'] as const) {
          this.set({ queue: counts.queue, state }, counts[state]);
        }
      }
    },
  });
  new Gauge({
    name: 'conveyor_queue_paused',
    help: "1 while one of this worker's queues is paused (conveyor pause), else 0 (read with the queue depths).",
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const counts of await gauges.queueDepths()) {
        this.set({ queue: counts.queue }, counts.paused ? 1 : 0);
      }
    },
  });
  return {
    record(event) {
      if (event.durationMs !== undefined) {
        duration.observe(event.task, event.type, event.durationMs / 1000);
      }
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
