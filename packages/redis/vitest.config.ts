import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // The conformance files share one redis-server and one cluster (started here); the
    // other files start their own servers, so that they can kill and restart them.
    globalSetup: ['./test/helpers/shared-servers.ts'],
    testTimeout: 60_000,
    // The suites mostly wait (leases, delays, on a real clock): run six files at a time even
    // on two cores. The eight conformance files are most of the package's test time.
    maxWorkers: 6,
    hookTimeout: 60_000,
  },
});
