// The transport conformance suite, part one of two (see helpers/conformance-parts.ts).

import { PART_ONE } from './helpers/conformance-parts.js';
import { standaloneConformance } from './helpers/standalone-conformance.js';

standaloneConformance(PART_ONE);
