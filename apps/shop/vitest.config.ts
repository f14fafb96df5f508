import { conveyorVitestConfig } from '@conveyor/vitest-config';

// The end-to-end suites start real processes (Redis, PGlite, mailbox, warehouse, API,
// workers): generous hook timeouts, and one file at a time on a 2-core machine.
export default conveyorVitestConfig({
  test: { hookTimeout: 120_000, testTimeout: 60_000, fileParallelism: false },
});
