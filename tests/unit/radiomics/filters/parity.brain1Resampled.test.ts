import { defineFixtureSuite } from './fixtureSuite';

// Filters after B-spline resampling to 2 mm and cropping: LoG σ = 1, 3 mm, wavelet, exponential.
defineFixtureSuite('brain1-resampled', 11);
