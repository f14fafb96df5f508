export { type ConformanceHarness, makeEnvelope, uniqueQueue } from './conformance/harness.js';
export { runTransportConformance } from './conformance/index.js';
export { createManualClock, type ManualClock } from './manual-clock.js';
