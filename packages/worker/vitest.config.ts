import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // The integration tests spawn worker processes through tsx and wait up to 40 s for
    // outcomes (their `patient` polls); under `pnpm test`, every package's suite shares the
    // machine's cores, and a 2-core VM took longer than the default 20 s for one of them.
    testTimeout: 90_000,
    // Most files wait (on Redis, on child processes): three at a time even on two cores,
    // where the default is one. Alone 28 s became 16 s; the whole `pnpm test`, 2m19 → 2m10.
    maxWorkers: 3,
  },
});
