import { systemClock } from '../src/clock.js';
import { memoryTransport } from '../src/memory/index.js';
import { createManualClock, runTransportConformance } from '../src/testing/index.js';

let clock = createManualClock();

// An in-memory transport lives in one process, so "another process's view" of it is the
// same instance: that is what a second worker in the demo's fallback mode sees.
const samePeer = <T>(first: T) => first;

runTransportConformance('memory (manual clock)', {
  createTransport: () => {
    clock = createManualClock();
    return memoryTransport({ clock });
  },
  advance: (ms) => clock.advance(ms),
  createPeer: samePeer,
  timeUnitMs: 10,
});

// The demo's fallback runs the memory transport on real time: prove its timers, not just
// its fake-clock logic.
runTransportConformance('memory (system clock)', {
  createTransport: () => memoryTransport({ clock: systemClock }),
  advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 5)),
  createPeer: samePeer,
  timeUnitMs: 50,
  realClock: true,
});

// A transport without the optional capabilities: their rules skip themselves, with a reason.
runTransportConformance(
  'memory without admin, limits, metrics and workflows',
  {
    createTransport: () => {
      const {
        admin: _admin,
        limits: _limits,
        metrics: _metrics,
        workflows: _workflows,
        ...bare
      } = memoryTransport();
      return bare;
    },
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 5)),
    timeUnitMs: 50,
    realClock: true,
  },
  { groups: ['admin', 'listJobs', 'jobIndex', 'audit', 'limits', 'metrics', 'workflows'] },
);
