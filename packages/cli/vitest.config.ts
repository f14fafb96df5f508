import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // Most tests run the program in-process; a few spawn the built binary. All of them
    // mostly wait (on Redis, on child processes), so files run three at a time even on a
    // 2-core machine, where the default would be one. Timeouts are generous for a loaded
    // machine: the tests wait on conditions, never on the clock.
    maxWorkers: 3,
    // dist/ for the tests that spawn the binary, built before any file runs.
    globalSetup: ['./test/global-build.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
