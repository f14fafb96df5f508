import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // The smoke test runs the whole harness on tiny sizes, worker processes included: about
    // 15 s on an idle 2-core machine, several times that beside other work.
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
