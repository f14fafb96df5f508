export { createManualClock, type ManualClock } from './clock.js';
export {
  type ConformanceHarness,
  makeEnvelope,
  storedQueue,
  uniqueQueue,
} from './conformance/harness.js';
export {
  CONFORMANCE_GROUPS,
  type ConformanceGroup,
  type ConformanceOptions,
  runTransportConformance,
} from './conformance/index.js';
