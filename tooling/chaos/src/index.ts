/**
 * @conveyor/chaos: the fault-injection suite behind `pnpm chaos`. Exported for tests and
 * for anyone who wants to run one scenario from code.
 *
 * @example
 * import { SCENARIOS } from '@conveyor/chaos';
 * const result = await SCENARIOS[0].run({ quick: true, dir, progress: console.error });
 */
export { type Counts, countJobs, indexLedger, unexplainedDuplicates } from './analysis.js';
export { type ChaosArgs, ChaosUsageError, parseArgs } from './args.js';
export type { Check, Scenario, ScenarioContext, ScenarioResult } from './harness.js';
export { type LedgerEntry, openLedger, readLedger } from './ledger.js';
export { renderTable } from './report.js';
export { SCENARIOS } from './scenarios/index.js';
