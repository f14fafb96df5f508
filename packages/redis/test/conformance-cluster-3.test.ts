// The transport conformance suite, part three of four (see helpers/conformance-parts.ts),
// against partition names.
import { clusterConformance } from './helpers/cluster-conformance.js';
import { AS_PARTITIONS, PART_THREE } from './helpers/conformance-parts.js';

clusterConformance(PART_THREE, AS_PARTITIONS);
