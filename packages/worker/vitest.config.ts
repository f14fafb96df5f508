import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig({
  test: {
    // The integration tests spawn worker processes through tsx and wait up to 40 s for
    // outcomes (their `patient` polls); under `pnpm test`, every package's suite shares the
    // machine's cores, and a 2-core VM took longer than the default 20 s for one of them.
    testTimeout: 90_000,
  },
});
