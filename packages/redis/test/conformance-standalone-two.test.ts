// The transport conformance suite, part two of two (see helpers/conformance-parts.ts).

import { PART_TWO } from './helpers/conformance-parts.js';
import { standaloneConformance } from './helpers/standalone-conformance.js';

standaloneConformance(PART_TWO);
