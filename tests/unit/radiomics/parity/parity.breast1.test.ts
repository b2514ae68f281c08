// PyRadiomics parity for breast1: every baseline column of the case through the extractor (see suite.ts).
import { defineParitySuite } from './suite';

defineParitySuite('breast1', 9);
