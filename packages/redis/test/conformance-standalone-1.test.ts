// The transport conformance suite, part one of four (see helpers/conformance-parts.ts),
// against partition names.
import { AS_PARTITIONS, PART_ONE } from './helpers/conformance-parts.js';
import { standaloneConformance } from './helpers/standalone-conformance.js';

standaloneConformance(PART_ONE, AS_PARTITIONS);
