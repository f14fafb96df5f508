// The transport conformance suite, part two of four (see helpers/conformance-parts.ts).
import { clusterConformance } from './helpers/cluster-conformance.js';
import { PART_TWO } from './helpers/conformance-parts.js';

clusterConformance(PART_TWO);
