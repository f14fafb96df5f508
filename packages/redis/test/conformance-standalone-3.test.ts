// The transport conformance suite, part three of four (see helpers/conformance-parts.ts).
import { PART_THREE } from './helpers/conformance-parts.js';
import { standaloneConformance } from './helpers/standalone-conformance.js';

standaloneConformance(PART_THREE);
