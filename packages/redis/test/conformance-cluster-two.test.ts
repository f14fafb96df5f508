// The transport conformance suite, part two of two (see helpers/conformance-parts.ts),
// against partition names.
import { clusterConformance } from './helpers/cluster-conformance.js';
import { AS_PARTITIONS, PART_TWO } from './helpers/conformance-parts.js';

clusterConformance(PART_TWO, AS_PARTITIONS);
