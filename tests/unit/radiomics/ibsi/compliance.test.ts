// IBSI-1 compliance: every reference value of the digital phantom (IBSI reference manual, as tabulated in
// <reference data>/ibsi/reference_values) computed with radiomics/params/ibsi1-digital-phantom.yaml through the CLI
// (`osteoflow extract`, the real bin in a child process) and compared as IBSI does: round to 3 significant digits,
// then within the listed tolerance. Rows without a reference value (OMBB, MVEE, IVH AUC) are listed, not compared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeWithReferenceData, PROJECT_ROOT, referencePath } from '../../../support/referenceData';

const FILES = ['ibsi/digital_phantom/phantom.nii.gz', 'ibsi/digital_phantom/mask.nii.gz', 'ibsi/reference_values/ibsi_1_dig_phantom.csv'];

interface Reference {
  tag: string;
  value: number | null;
  tolerance: number;
}

function references(): Reference[] {
  const text = readFileSync(referencePath('ibsi', 'reference_values', 'ibsi_1_dig_phantom.csv'), 'utf8');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [value, tolerance, tag] = line.split(';');
      return { tag: tag.trim(), value: value.trim() === '' ? null : Number(value), tolerance: Number(tolerance || 0) };
    });
}

/** IBSI's comparison: the value rounded to 3 significant digits lies within the tolerance of the reference. */
function meetsIbsi(value: number, ref: { value: number; tolerance: number }): boolean {
  return Number.isFinite(value) && Math.abs(Number(value.toPrecision(3)) - ref.value) <= ref.tolerance + 1e-12 * Math.max(1, Math.abs(ref.value));
}

describeWithReferenceData('IBSI-1 digital phantom through `osteoflow extract`', FILES, () => {
  const refs = references();
  let features: Record<string, unknown>;

  beforeAll(() => {
    const stdout = execFileSync(
      process.execPath,
      [
        path.join(PROJECT_ROOT, 'bin', 'osteoflow.js'),
        'extract',
        '--image',
        referencePath('ibsi', 'digital_phantom', 'phantom.nii.gz'),
        '--mask',
        referencePath('ibsi', 'digital_phantom', 'mask.nii.gz'),
        '--params',
        path.join(PROJECT_ROOT, 'radiomics', 'params', 'ibsi1-digital-phantom.yaml'),
      ],
      { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    features = JSON.parse(stdout) as Record<string, unknown>;
  }, 90_000);

  it('compares all 482 reference values (5 rows have none)', () => {
    expect(refs.filter((r) => r.value !== null)).toHaveLength(482);
    expect(refs.filter((r) => r.value === null).map((r) => r.tag)).toEqual([
      'morph_vol_dens_ombb',
      'morph_area_dens_ombb',
      'morph_vol_dens_mvee',
      'morph_area_dens_mvee',
      'ivh_auc',
    ]);
  });

  it('meets every reference value', () => {
    const notMet = refs
      .filter((r): r is Reference & { value: number } => r.value !== null)
      .filter((r) => !meetsIbsi(features[r.tag] as number, r))
      .map((r) => `${r.tag}: ${String(features[r.tag])} vs ${r.value} ± ${r.tolerance}`);
    expect(notMet).toEqual([]);
  });

  it('names features by IBSI tag only, with the provenance diagnostics of every row', () => {
    const names = Object.keys(features).filter((k) => !k.startsWith('diagnostics_'));
    const tags = new Set(refs.map((r) => r.tag));
    expect(names.filter((n) => !tags.has(n))).toEqual([]);
    expect(features.diagnostics_Configuration_ParamsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(features.diagnostics_Configuration_Compliance).toBe('ibsi');
  });

  it('computes the area under the IVH curve from the manual’s IVH table of the phantom (γ step 0.2)', () => {
    // IBSI-1 §3.5 table: ν = 1.000, 0.324, 0.324, 0.311, 0.095, 0.095 at i = 1..6 (rounded there to 3 decimals)
    const nu = [1, 24 / 74, 24 / 74, 23 / 74, 7 / 74, 7 / 74];
    let auc = 0;
    for (let k = 0; k + 1 < nu.length; k++) auc += (0.2 * (nu[k] + nu[k + 1])) / 2;
    expect(nu.map((v) => Number(v.toFixed(3)))).toEqual([1, 0.324, 0.324, 0.311, 0.095, 0.095]);
    expect(features.ivh_auc as number).toBeCloseTo(auc, 12);
  });
});
