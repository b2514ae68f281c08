// The strict Python-literal reader for PyRadiomics' recorded settings, checked against the baseline CSVs' own rows.
import { readFileSync } from 'node:fs';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { parsePythonLiteral, settingsFromPyRadiomicsDiagnostics } from '../../../../radiomics/params';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';

describe('parsePythonLiteral', () => {
  it('reads dicts, lists, tuples, strings, numbers, True/False/None', () => {
    expect(parsePythonLiteral(`{'a': [1, 2.5, -3e-2], "b": (True, False, None), 'c': {'d': 'x\\'y'}, 'e': (), 'f': [1,],}`)).toEqual({
      a: [1, 2.5, -0.03],
      b: [true, false, null],
      c: { d: "x'y" },
      e: [],
      f: [1],
    });
  });

  it.each([
    ["{'a': 1} x", 'unexpected "x"'],
    ["{'a': float('nan')}", 'unexpected "f"'],
    ["{'a': 'open}", 'unterminated string'],
    ["{'a' 1}", "expected ':'"],
    ['{1: 2}', 'dict keys must be strings'],
    ["{'a': 1, 'a': 2}", 'duplicate key "a"'],
    ['[1 2]', "expected ',' or ']'"],
    ['{', 'unexpected end'],
    ['Truth', 'unexpected "T"'],
  ])('rejects %j (%s)', (text, message) => {
    expect(() => parsePythonLiteral(text, { field: 'diagnostics_Configuration_Settings' })).toThrow(RadiomicsInputError);
    expect(() => parsePythonLiteral(text)).toThrow(message);
  });

  it('turns a recorded settings dict into validated params', () => {
    const p = settingsFromPyRadiomicsDiagnostics(
      "{'binCount': 64, 'resampledPixelSpacing': [2, 2, 2], 'interpolator': 'sitkBSpline', 'resegmentRange': [-3, 3], 'resegmentMode': 'sigma'}",
      { glcm: null },
    );
    expect(p.settings).toMatchObject({ binCount: 64, resampledPixelSpacing: [2, 2, 2], resegmentRange: [-3, 3], resegmentMode: 'sigma', binWidth: 25 });
    expect(p.featureClasses).toEqual({ glcm: null });
    expect(p.imageTypes).toEqual({ Original: {} });
  });

  it('rejects a recorded setting the schema does not know, naming it', () => {
    expect(() => settingsFromPyRadiomicsDiagnostics("{'binwidth': 5}", {})).toThrow("field 'setting.binwidth'");
  });
});

describeWithReferenceData('every recorded settings row of the PyRadiomics baselines', ['pyradiomics/baseline/baseline_glcm.csv'], () => {
  it.each(['firstorder', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm', 'shape', 'shape2D'])('baseline_%s.csv parses and validates', (cls) => {
    const file = referencePath('pyradiomics', 'baseline', `baseline_${cls}.csv`);
    const row = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('diagnostics_Configuration_Settings,'));
    expect(row).toBeDefined();
    // Each cell is a quoted dict literal with no embedded quotes of the CSV kind.
    const cells = [...row!.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(cells.length).toBeGreaterThanOrEqual(5);
    for (const cell of cells) {
      const p = settingsFromPyRadiomicsDiagnostics(cell, { [cls]: null }, { file });
      expect(p.settings.label).toBe(1);
      expect(p.settings.distances).toEqual([1]);
    }
  });
});
