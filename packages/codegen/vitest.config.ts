import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // Every file loads the TypeScript compiler (ts-morph) and builds projects over its own
    // temporary trees. No file changes global state, so they share one module graph instead
    // of loading the compiler again per file (half the suite's CPU time).
    isolate: false,
    // Type inference over a whole project took 16 s beside the other suites.
    testTimeout: 120_000,
  },
});
