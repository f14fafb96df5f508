import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // Each file builds ts-morph projects over temporary trees; the first one loads the compiler.
    testTimeout: 30_000,
  },
});
