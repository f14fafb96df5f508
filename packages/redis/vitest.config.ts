import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // Every file starts its own redis-server processes; the cluster files start three.
    testTimeout: 60_000,
    // The suites mostly wait (leases, delays): run four files at a time even on two cores.
    maxWorkers: 4,
    hookTimeout: 60_000,
  },
});
