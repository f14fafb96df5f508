/**
 * `@conveyor/core/testing/clock`: the manual clock alone. `@conveyor/core/testing` has it
 * too, beside the conformance suite, which imports vitest (an optional peer); this entry
 * imports nothing of vitest, so a plain script or another test runner can run Conveyor
 * (`memoryTransport({ clock })`, `createWorker({ clock })`) on fake time.
 *
 * @example
 * import { createManualClock } from '@conveyor/core/testing/clock';
 * const clock = createManualClock();
 * const transport = memoryTransport({ clock });
 * await clock.advance(60_000);
 */
export { createManualClock, type ManualClock } from './manual-clock.js';
