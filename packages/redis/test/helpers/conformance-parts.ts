import {
  CONFORMANCE_GROUPS,
  type ConformanceGroup,
  type ConformanceOptions,
  runTransportConformance,
} from '@conveyor/core/testing';
import { partitionName } from '@conveyor/core/transport';
import type { RedisTransport } from '../../src/index.js';

// Vitest runs test files in parallel but the tests of one file in sequence, and the suite
// spends most of its time waiting on leases and delays. Four files per topology, of about
// equal length (measured alone: ~23 s each at a 250 ms time unit, ~47 s for the cluster
// files at 500 ms), run side by side on the shared servers (helpers/shared-servers.ts).
export const PART_ONE: readonly ConformanceGroup[] = [
  'enqueue',
  'dedupe',
  'reserve',
  'waiting',
  'limits',
];
export const PART_TWO: readonly ConformanceGroup[] = ['deadLetter', 'results', 'workflows'];
export const PART_THREE: readonly ConformanceGroup[] = [
  'delays',
  'leases',
  'settle',
  'retryRelease',
  'history',
  'closing',
  'audit',
  'metrics',
];

/** Every group not in parts one to three, so that a new group can never be left out. */
export const PART_FOUR: readonly ConformanceGroup[] = CONFORMANCE_GROUPS.filter(
  (group) => ![...PART_ONE, ...PART_TWO, ...PART_THREE].includes(group),
);

/**
 * Runs a part against partition names: each test's queue is partition 1 of 4, a whole queue
 * under its own hash tag (on a cluster, in a slot of its own). Instead of a third run (the
 * suite is most of the package's test time), each part runs against partitions on one
 * topology and against plain names on the other: parts one and two on the standalone
 * server, three and four on the cluster.
 */
export const AS_PARTITIONS: ConformanceOptions['queueName'] = (base) => partitionName(base, 1, 4);

/**
 * `CONVEYOR_PARTITION_CONFORMANCE=1` runs every part against partition names, so the whole
 * suite on both topologies: `CONVEYOR_PARTITION_CONFORMANCE=1 pnpm --filter @conveyor/redis test`.
 */
const ALL_AS_PARTITIONS = process.env.CONVEYOR_PARTITION_CONFORMANCE === '1';

/**
 * Registers these groups of the conformance suite on transports made by `open`.
 * `timeUnitMs` (default 250): rules such as "at once" and lease deadlines need slack when
 * CI runs every package's tests at the same time on two cores. `queueName`: see
 * {@link AS_PARTITIONS}.
 */
export function registerConformance(
  name: string,
  open: () => RedisTransport,
  groups: readonly ConformanceGroup[],
  timeUnitMs = 250,
  queueName?: ConformanceOptions['queueName'],
): void {
  if (ALL_AS_PARTITIONS) queueName ??= AS_PARTITIONS;
  runTransportConformance(
    queueName ? `${name}, partitions` : name,
    {
      createTransport: open,
      // A peer must hear cancels published right after it opens: wait for its subscription.
      createPeer: async () => {
        const peer = open();
        await peer.ready();
        return peer;
      },
      // Redis TIME and this process share the machine clock; a few ms of slack cover rounding.
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms === 0 ? 5 : ms + 5)),
      timeUnitMs,
      realClock: true,
    },
    { groups, queueName },
  );
}

/**
 * A key prefix for one conformance file, so files sharing a server never hear each other's
 * cancel notifications nor see each other's prefix-wide keys.
 */
export function filePrefix(): string {
  return `conformance-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
