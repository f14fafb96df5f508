import { memoryTransport } from '../src/memory/index.js';
import { partitionName } from '../src/partitions.js';
import { createManualClock, runTransportConformance } from '../src/testing/index.js';

let clock = createManualClock();

// A partition is a whole queue to a transport (docs/partitions.md): every rule holds when
// each test's queue is one partition of a partitioned queue.
runTransportConformance(
  'memory, every queue a partition',
  {
    createTransport: () => {
      clock = createManualClock();
      return memoryTransport({ clock });
    },
    advance: (ms) => clock.advance(ms),
    createPeer: (first) => first,
    timeUnitMs: 10,
  },
  { queueName: (base) => partitionName(base, 1, 4) },
);
