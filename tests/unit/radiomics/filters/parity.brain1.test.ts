import { defineFixtureSuite } from './fixtureSuite';

// LoG σ = 1, 3, 5 mm, 8 wavelet sub-bands, square, squareroot, logarithm, exponential, gradient, lbp-2D.
defineFixtureSuite('brain1-all', 17);
