import type { Logger, QueueCounts } from '@conveyor/core';
import { createPrometheusMetrics } from './prometheus.js';
import { createStatsRecorder, type WorkerCounters, type WorkerEvent } from './stats.js';

export interface WorkerEvents {
  /** Counts the event (stats and Prometheus) and tells the listeners. */
  emit(event: WorkerEvent): void;
  on(listener: (event: WorkerEvent) => void): () => void;
  snapshot(): WorkerCounters;
  render(): Promise<{ contentType: string; body: string }>;
}

/** Where the worker's events go: its counters, its Prometheus registry and `worker.on` listeners. */
export function createWorkerEvents(options: {
  logger: Logger;
  inFlight: () => number;
  running: () => number;
  waitingForLimits: () => number;
  queueDepths: () => Promise<QueueCounts[]>;
}): WorkerEvents {
  const { logger, ...gauges } = options;
  const recorder = createStatsRecorder();
  const prometheus = createPrometheusMetrics({ ...gauges, countsByTask: () => recorder.byTask() });
  const listeners = new Set<(event: WorkerEvent) => void>();
  return {
    emit(event) {
      recorder.record(event);
      prometheus.record(event);
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          logger.error({ err: error }, 'worker event listener threw');
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    snapshot: () => recorder.snapshot(),
    render: () => prometheus.render(),
  };
}
