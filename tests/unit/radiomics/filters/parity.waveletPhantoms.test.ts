import { defineFixtureSuite } from './fixtureSuite';

// PyRadiomics' wavelet test phantoms (an odd and an even size), whole and pre-cropped with padDistance 6 as its
// tests/test_wavelet.py does. (Its baseline/wavelet.npy holds the unfiltered ROI intensities — that test compares
// the input image, not the sub-bands — so the phantoms are checked here against PyRadiomics' wavelet features.)
defineFixtureSuite('wavelet-phantom-37', 8);
defineFixtureSuite('wavelet-phantom-37-precrop', 8);
defineFixtureSuite('wavelet-phantom-64', 8);
defineFixtureSuite('wavelet-phantom-64-precrop', 8);
