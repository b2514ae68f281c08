// PyRadiomics parity for brain2: every baseline column of the case through the extractor (see suite.ts).
import { defineParitySuite } from './suite';

defineParitySuite('brain2', 9);
