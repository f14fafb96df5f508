import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // The smoke test runs the whole harness on tiny sizes, worker processes included: about
    // 15 s on an idle 2-core machine, several times that beside other work (195 s in a full
    // `pnpm test`, and past 300 s in a CI run beside an outside tester's builds, 6 Dec). A
    // timeout only catches a hang: the test asserts no time.
    testTimeout: 600_000,
    // The smoke test runs the built harness (dist/), built before any file runs when stale.
    globalSetup: ['./test/global-build.ts'],
    hookTimeout: 60_000,
  },
});
