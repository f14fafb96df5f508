// The transport conformance suite, part four of four (see helpers/conformance-parts.ts),
// against partition names.
import { clusterConformance } from './helpers/cluster-conformance.js';
import { AS_PARTITIONS, PART_FOUR } from './helpers/conformance-parts.js';

clusterConformance(PART_FOUR, AS_PARTITIONS);
