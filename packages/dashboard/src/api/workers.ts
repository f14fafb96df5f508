import type { WorkerRecord } from '@conveyor/core';
import type { DashboardCore, RequestContext } from '../context.js';
import type { Route } from '../http/router.js';

/** A worker record with whether it stopped refreshing it. */
export type WorkerView = WorkerRecord & { stale: boolean };

/** Stale: not refreshed for more than twice its heartbeat interval. */
export function isStale(worker: WorkerRecord, now: number): boolean {
  if (worker.heartbeatAt === undefined || worker.heartbeatMs === undefined) return false;
  return now - worker.heartbeatAt > 2 * worker.heartbeatMs;
}

export function workerRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'GET',
      path: '/api/workers',
      async handle() {
        const now = core.now();
        const workers = await core.admin.listWorkers();
        return { workers: workers.map((worker) => ({ ...worker, stale: isStale(worker, now) })) };
      },
    },
  ];
}
