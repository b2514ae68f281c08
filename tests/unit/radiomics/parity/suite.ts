// The parity suite, one per case (parity.<case>.test.ts, so jest runs them in parallel): every test id of every
// baseline CSV for that case, run once through the extractor with the settings recorded in its own
// diagnostics_Configuration_Settings, every feature of every class held to PyRadiomics' 3 % rule, and the diagnostics
// PyRadiomics recorded (bounding boxes, voxel counts, centres of mass, image statistics) compared too. Lung images are
// not shipped with the reference data (only their labels): their shape and shape2D columns run from the labels alone.
import { existsSync } from 'node:fs';
import { extractSync, type ExtractionResult } from '../../../../radiomics/extractor';
import { indexToPhysical, type Volume } from '../../../../imaging/image';
import { readImage } from '../../../../imaging/io';
import { parsePythonLiteral, settingsFromPyRadiomicsDiagnostics } from '../../../../radiomics/params';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';
import { BASELINE_CLASSES, baselineFile, parityFailure, readBaselineColumns, type BaselineColumn } from './baselines';

const SHAPE_ONLY = new Set(['shape', 'shape2D']);
/** Cases with their image in the reference data; the lung cases have labels only. */
const WITH_IMAGE = new Set(['brain1', 'brain2', 'breast1']);

const volumes = new Map<string, Volume>();
function volume(file: string): Volume {
  let v = volumes.get(file);
  if (!v) volumes.set(file, (v = readImage(referencePath('pyradiomics', file))));
  return v;
}

/** The single z-slice of a label PyRadiomics' shape2D baselines used, as its own 1-slice volume (corrected back onto the image grid by correctMask). */
function sliceMask(label: Volume, z: number): Volume {
  const [nx, ny] = label.geometry.size;
  const data = label.data.slice(nx * ny * z, nx * ny * (z + 1));
  const geometry = { ...label.geometry, size: [nx, ny, 1] as [number, number, number], origin: indexToPhysical(label.geometry, 0, 0, z) };
  return { geometry, data, source: `${label.source} (slice z=${z})` };
}

/** The classes of a column we can compute: all when its image is present, shape classes from the label otherwise. */
function computableClasses(column: BaselineColumn, imagePresent: boolean): string[] {
  return [...column.features.keys()].filter((cls) => imagePresent || SHAPE_ONLY.has(cls));
}

function runColumn(column: BaselineColumn, imagePresent: boolean): ExtractionResult {
  const classes = computableClasses(column, imagePresent);
  // Enable exactly the features the baseline lists (deprecated-but-recorded ones included).
  const featureClass = Object.fromEntries(classes.map((cls) => [cls, [...column.features.get(cls as never)!.keys()]]));
  const params = settingsFromPyRadiomicsDiagnostics(column.settings, featureClass);
  const label = volume(`${column.caseName}_label.nrrd`);
  let mask = label;
  if (column.testId.endsWith('_shape2D')) {
    const box = parsePythonLiteral(column.diagnostics.get('diagnostics_Mask-corrected_BoundingBox') ?? '') as number[];
    mask = sliceMask(label, box[2]);
  }
  let image: Volume | null = imagePresent ? volume(`${column.caseName}_image.nrrd`) : null;
  if (image === null && mask !== label) {
    // Lung shape2D: a blank image on the label's grid, so that correctMask brings the slice back onto it as upstream.
    image = { geometry: label.geometry, data: new Uint8Array(label.data.length), source: 'blank image on the label grid' };
  }
  return extractSync(image, mask, params);
}

/** Diagnostics we name as PyRadiomics does, compared numerically (element-wise for tuples). */
const COMPARED_DIAGNOSTICS =
  /^diagnostics_(Image|Mask)-(original|interpolated|corrected)_(Spacing|Size|BoundingBox|VoxelNum|VolumeNum|CenterOfMassIndex|CenterOfMass|Mean|Minimum|Maximum)$/;

function diagnosticFailures(column: BaselineColumn, result: ExtractionResult, imagePresent: boolean): string[] {
  const failures: string[] = [];
  for (const [key, text] of column.diagnostics) {
    if (!COMPARED_DIAGNOSTICS.test(key)) continue;
    if (!imagePresent && /Image-|_(Mean|Minimum|Maximum)$/.test(key)) continue;
    // The shape2D baselines' "original" mask is the 1-slice file, whose index space is not the image's.
    if (column.testId.endsWith('_shape2D') && key.startsWith('diagnostics_Mask-original_')) continue;
    const expected = ([] as number[]).concat(parsePythonLiteral(text) as number | number[]);
    const actual = ([] as number[]).concat((result.diagnostics[key] as number | number[] | undefined) ?? []);
    const close = expected.length === actual.length && expected.every((e, i) => Math.abs(e - actual[i]) <= 1e-6 * Math.max(1, Math.abs(e)));
    if (!close) failures.push(`${key}: ${JSON.stringify(actual)} vs baseline ${text}`);
  }
  return failures;
}

export function defineParitySuite(caseName: string, expectedColumns: number): void {
  const files = [...BASELINE_CLASSES.map(baselineFile), `pyradiomics/${caseName}_label.nrrd`];
  if (WITH_IMAGE.has(caseName)) files.push(`pyradiomics/${caseName}_image.nrrd`);
  describeWithReferenceData(`PyRadiomics parity through the extractor: ${caseName}`, files, () => {
    const imagePresent = existsSync(referencePath('pyradiomics', `${caseName}_image.nrrd`));
    const columns = [...readBaselineColumns().values()].filter((c) => c.caseName === caseName && computableClasses(c, imagePresent).length > 0);

    it(`covers every baseline column of ${caseName} it can compute`, () => {
      expect(columns.map((c) => c.testId)).toHaveLength(expectedColumns);
    });

    for (const column of columns) defineColumnTests(column, imagePresent);
  });
}

function defineColumnTests(column: BaselineColumn, imagePresent: boolean): void {
  const classes = computableClasses(column, imagePresent);

  describe(column.testId, () => {
    let result: ExtractionResult;
    beforeAll(() => {
      result = runColumn(column, imagePresent);
    });

    for (const cls of classes) {
      it(`${cls}: every feature within 3 % of PyRadiomics`, () => {
        const failures: string[] = [];
        for (const [name, baseline] of column.features.get(cls as never)!) {
          const failure = parityFailure(`original_${cls}_${name}`, result.features[`original_${cls}_${name}`], baseline);
          if (failure) failures.push(failure);
        }
        expect(failures).toEqual([]);
      });
    }

    it('diagnostics match what PyRadiomics recorded', () => {
      expect(diagnosticFailures(column, result, imagePresent)).toEqual([]);
    });
  });
}
