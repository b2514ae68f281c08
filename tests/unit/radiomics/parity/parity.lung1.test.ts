// PyRadiomics parity for lung1: every baseline column of the case through the extractor (see suite.ts).
import { defineParitySuite } from './suite';

defineParitySuite('lung1', 3);
