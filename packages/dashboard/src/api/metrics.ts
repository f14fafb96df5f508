import { METRICS_RETENTION_MS, PICKUP_BUCKETS_MS } from '@conveyor/core';
import { baseQueueOf, parsePartitionName } from '@conveyor/core/transport';
import type { DashboardCore, RequestContext } from '../context.js';
import { intParam, storedQueueName } from '../http/params.js';
import type { Route } from '../http/router.js';
import { toSeries } from '../metrics.js';
import { storedQueues } from './stored-queues.js';

const MAX_MINUTES = METRICS_RETENTION_MS / 60_000;

export function metricsRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'GET',
      path: '/api/metrics',
      async handle({ url }) {
        const query = url.searchParams;
        const minutes = intParam(query.get('minutes'), 'minutes', {
          min: 1,
          max: MAX_MINUTES,
          fallback: 60,
        });
        const only = query.get('queue');
        const toMinute = Math.floor(core.now() / 60_000);
        const fromMinute = toMinute - minutes + 1;
        const base = { fromMinute, toMinute, bucketsMs: [...PICKUP_BUCKETS_MS] };
        if (!core.metrics) return { ...base, series: [], unavailable: true };
        const queue = only ? storedQueueName(only) : undefined;
        const queues =
          queue === undefined ? await core.admin.listQueues() : await storedQueues(core, queue);
        if (queues.length === 0) return { ...base, series: [] };
        const rows = await core.metrics.read(queues, { fromMinute, toMinute });
        // Metrics are counted per stored queue: a partitioned queue's series add up its
        // partitions', unless one partition was asked for.
        const perQueue =
          queue !== undefined && parsePartitionName(queue)
            ? rows
            : rows.map((row) => ({ ...row, queue: baseQueueOf(row.queue) }));
        return { ...base, series: toSeries(perQueue, fromMinute, toMinute) };
      },
    },
  ];
}
