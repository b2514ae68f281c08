// PyRadiomics parity for brain1: every baseline column of the case through the extractor (see suite.ts).
import { defineParitySuite } from './suite';

defineParitySuite('brain1', 9);
