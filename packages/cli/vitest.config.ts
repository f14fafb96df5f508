import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // Tests spawn the real binary (tsx start-up takes a second or two) against private Redis servers.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
