// The transport conformance suite, part one of four (see helpers/conformance-parts.ts).
import { clusterConformance } from './helpers/cluster-conformance.js';
import { PART_ONE } from './helpers/conformance-parts.js';

clusterConformance(PART_ONE);
