import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // Type inference over a whole project took 16 s beside the other suites.
    testTimeout: 120_000,
  },
});
