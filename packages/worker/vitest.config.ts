import { conveyorVitestConfig } from '@conveyor/vitest-config';

export default conveyorVitestConfig();
