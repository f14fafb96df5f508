import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // The end-to-end test spawns worker processes (tsx start-up) and a redis-server, and
    // waits on conditions with deadlines made for a busy 2-core machine (see fleet.test.ts).
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
