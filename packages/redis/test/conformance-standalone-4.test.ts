// The transport conformance suite, part four of four (see helpers/conformance-parts.ts).
import { PART_FOUR } from './helpers/conformance-parts.js';
import { standaloneConformance } from './helpers/standalone-conformance.js';

standaloneConformance(PART_FOUR);
