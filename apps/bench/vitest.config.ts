import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // The smoke test runs the whole harness on tiny sizes, worker processes included.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
