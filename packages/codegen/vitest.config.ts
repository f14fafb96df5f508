import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // Type inference over a whole project took 16 s beside the other suites, and once past
    // 120 s when a full `pnpm test` loaded the machine to a load average of 18 (6 Dec). A
    // timeout only catches a hang: nothing here is timed.
    testTimeout: 300_000,
  },
});
