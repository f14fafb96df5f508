import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // The end-to-end test spawns worker processes (tsx start-up) and a redis-server.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
