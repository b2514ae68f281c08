// Functional imaging maps: diffusion (ADC, IVIM), perfusion (DCE: Tofts, extended Tofts, semi-quantitative) and native
// T1 from variable flip angles.
export { fitAdc, fitIvim, checkBValues, DEFAULT_ADC_RANGE, type AdcOptions, type AdcMaps, type IvimOptions, type IvimMaps, type IvimBounds } from './diffusion';
export { fitDce, checkTimes, minimumFrames, type DceOptions, type DceMaps } from './dce';
export { aifGrid, parkerBlood, parkerPlasma, PARKER_2006, DEFAULT_HEMATOCRIT, type AifGrid, type DceAif } from './aif';
export { ToftsFitter, convolveExponential, DEFAULT_KEP_RANGE, DEFAULT_KTRANS_RANGE, type ToftsResult } from './tofts';
export { fitT1Vfa, checkVfa, stackVolumes, DEFAULT_T1_RANGE, type T1Options, type T1Maps } from './t1';
export { spgrSignal, signalToConcentration, checkSpgr, DEFAULT_RELAXIVITY, type SpgrParameters } from './signal';
export { semiQuantitative, areaUnder, type SemiQuantitative } from './semiQuantitative';
export { LevenbergMarquardt, Brent, type LeastSquaresModel } from './optimize';
export { FitFailure, FIT_FAILURE_NAMES, summarise, parseNumberList, checkGrid, type FitSummary, type FitFailureCode, type VolumeSeries } from './series';
export { aifFromRoi, type RoiAif, type RoiAifOptions } from './roiAif';
