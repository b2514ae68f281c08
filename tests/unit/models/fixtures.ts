// The reference fixtures: inputs and the values established implementations computed from them
// (tools/reference/run.sh regenerates all three; package versions are recorded inside each file).
import inputs from './fixtures/inputs.json';
import python from './fixtures/python-reference.json';
import r from './fixtures/r-reference.json';

export { inputs, python, r };

/** Absolute-or-relative closeness: |a − b| ≤ tol·max(1, |b|). */
export function expectClose(actual: number, expected: number, tol: number): void {
  const err = Math.abs(actual - expected);
  if (!(err <= tol * Math.max(1, Math.abs(expected)))) {
    throw new Error(`expected ${expected}, got ${actual} (difference ${err}, tolerance ${tol})`);
  }
}

export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    try {
      expectClose(actual[i], expected[i], tol);
    } catch (e) {
      throw new Error(`index ${i}: ${(e as Error).message}`, { cause: e });
    }
  }
}
