import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // The files mostly wait on child processes (tsc, node, esbuild, redis-server): run them
    // side by side even on two cores.
    maxWorkers: 4,
    globalSetup: ['test/global-setup.ts'],
  },
});
