import { defineFixtureSuite } from './fixtureSuite';

defineFixtureSuite('breast1-all', 17);
// force2D: two-letter wavelet bands over levels 2 and 3 (start_level 1, level 2), gradient without spacing,
// lbp-2D 'ror' with R = 1.5 and P = 6, LoG σ = 0.5 and 2.5 mm.
defineFixtureSuite('breast1-2d-levels', 11);
