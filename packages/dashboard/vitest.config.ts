import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // Browser tests start one headless Chromium per file; on a busy 2-core machine its
    // start-up alone can take several seconds.
    testTimeout: 60_000,
  },
});
