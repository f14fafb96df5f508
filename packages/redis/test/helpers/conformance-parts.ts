import { CONFORMANCE_GROUPS, type ConformanceGroup } from '@conveyor/core/testing';

// Vitest runs test files in parallel but the tests of one file in sequence, and the suite
// spends most of its time waiting on leases and delays. Two files per topology, of about
// equal length (measured: ~35 s each at a 250 ms time unit), halve the package's test time.
export const PART_ONE: readonly ConformanceGroup[] = [
  'enqueue',
  'dedupe',
  'reserve',
  'priorities',
  'waiting',
  'deadLetter',
  'limits',
];

/** Every group not in part one, so that a new group can never be left out of both. */
export const PART_TWO: readonly ConformanceGroup[] = CONFORMANCE_GROUPS.filter(
  (group) => !PART_ONE.includes(group),
);
