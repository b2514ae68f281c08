// The parity harness's pass rule is PyRadiomics' own (tests/testUtils.py): it must reject what upstream rejects.
import { parityFailure } from './baselines';

describe('parityFailure (|1 − value/baseline| < 3 %, exact at 0)', () => {
  it.each([
    [100, 100, true],
    [102.9, 100, true],
    [97.1, 100, true],
    [103.1, 100, false],
    [-103.1, -100, false],
    [0, 0, true],
    [1e-300, 0, false],
    [NaN, 100, false],
    [undefined, 100, false],
  ])('%p vs baseline %p passes: %p', (value, baseline, passes) => {
    expect(parityFailure('f', value, baseline) === null).toBe(passes);
  });
});
