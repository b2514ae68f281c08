// PyRadiomics parity for lung2: every baseline column of the case through the extractor (see suite.ts).
import { defineParitySuite } from './suite';

defineParitySuite('lung2', 3);
