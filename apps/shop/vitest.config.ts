import { conveyorVitestConfig } from '@conveyor/vitest-config';

// The end-to-end suites start real processes (Redis, PGlite, mailbox, warehouse, API,
// workers) and wait on them: one file at a time, and timeouts long enough for a busy
// 2-core machine (a stack's start-up waits up to 180 s per stage; see processes.ts). The
// embedded database's template is built once before any file runs (test/global-setup.ts).
export default conveyorVitestConfig({
  test: {
    hookTimeout: 420_000,
    testTimeout: 300_000,
    fileParallelism: false,
    globalSetup: ['./test/global-setup.ts'],
  },
});
