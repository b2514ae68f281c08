import { defineFixtureSuite } from './fixtureSuite';

defineFixtureSuite('brain2-all', 17);
// preCrop with padDistance 3: the wavelet transform runs over (and wraps around) the small crop.
defineFixtureSuite('brain2-precrop', 11);
