// The transport conformance suite, part two of four (see helpers/conformance-parts.ts),
// against partition names.
import { AS_PARTITIONS, PART_TWO } from './helpers/conformance-parts.js';
import { standaloneConformance } from './helpers/standalone-conformance.js';

standaloneConformance(PART_TWO, AS_PARTITIONS);
