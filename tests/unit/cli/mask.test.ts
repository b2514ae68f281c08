// `osteoflow mask convert` and `osteoflow extract` with DICOM masks: arguments (exit 2 + usage), conversions checked
// against the reference masks MIRP made from the same files, features equal to the NIfTI pair's, and bad input built
// here from the real files: exit 1, one line naming the file and the field, nothing written.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { maskCommand } from '../../../cli/mask';
import { extractCommand } from '../../../cli/extract';
import { readDicomMask } from '../../../imaging/contours';
import { sameGeometry } from '../../../imaging/image';
import { readNifti } from '../../../imaging/io';
import { describeWithReferenceData, referencePath } from '../../support/referenceData';
import { dice, modifyDicom } from '../imaging/contours/support';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in-process, collecting what it prints through console and process streams. */
async function capture(fn: () => Promise<number>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const spies = [
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`)),
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`)),
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true)),
  ];
  try {
    return { code: await fn(), stdout, stderr };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

const mask = (...argv: string[]) => capture(() => maskCommand.run(argv));
const extract = (...argv: string[]) => capture(() => extractCommand.run(argv));

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-cli-mask-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const f = (name: string) => path.join(dir, name);

describe('osteoflow mask: arguments', () => {
  it.each([
    [['convert'], '--from is required'],
    [['convert', '--from', 'RS.dcm', '--out', 'm.nii.gz'], '--image is required (the DICOM series folder)'],
    [['convert', '--from', 'RS.dcm', '--image', 'dir', '--out', 'm.mha'], "--out must end in .nii, .nii.gz (a mask) or .dcm (a SEG), got 'm.mha'"],
    [
      ['convert', '--from', 'RS.dcm', '--image', 'dir', '--out', 'm.nii.gz', '--label', '2'],
      '--label applies to writing a SEG from a NIfTI or NRRD mask (--out ….dcm)',
    ],
    [['convert', '--from', 'RS.dcm', '--image', 'dir', '--out', 'm.nii.gz', '--threshold', '2'], "--threshold must be a number from 0.001 to 1, got '2'"],
  ])('%j → usage, exit 2', async (argv, message) => {
    const r = await mask(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`osteoflow mask convert: ${message}`);
    expect(r.stderr).toMatch(/usage: osteoflow mask convert/);
  });

  it('an unknown or missing action → usage, exit 2; --help → usage, exit 0', async () => {
    expect((await mask('export')).code).toBe(2);
    expect((await mask()).code).toBe(2);
    const help = await mask('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: osteoflow mask convert --from RS\.dcm\|SEG\.dcm --image SERIES_DIR/);
    expect((await mask('convert', '-h')).code).toBe(0);
  });
});

const PET = (p: string) => referencePath('sts', 'dicom', p, 'PET', 'image');
const RS = (p: string) => referencePath('sts', 'dicom', p, 'PET', 'mask', 'RS.dcm');
const NIFTI = (p: string, kind: 'image' | 'mask') => referencePath('sts', 'nifti', p, `PET_${kind}.nii.gz`);

describeWithReferenceData(
  'osteoflow mask convert and extract on STS_002 PET',
  [PET('STS_002'), RS('STS_002'), NIFTI('STS_002', 'image'), NIFTI('STS_002', 'mask'), PET('STS_003')].map((p) => path.relative(referencePath(), p)),
  () => {
    const reference = () => readNifti(NIFTI('STS_002', 'mask'));

    it('RTSTRUCT → NIfTI: the reference mask, on the series grid; one line on stdout', async () => {
      const r = await mask('convert', '--from', RS('STS_002'), '--image', PET('STS_002'), '--out', f('rs.nii.gz'));
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toMatch(/^ROI 'GTV_Mass_PET' \(RTSTRUCT\) on .* \(30×27×48\): 555 voxels inside → /);
      const out = readNifti(f('rs.nii.gz'));
      expect(out.data).toBeInstanceOf(Uint8Array);
      expect(sameGeometry(out.geometry, reference().geometry, 1e-4)).toBe(true);
      expect(dice(out.data, reference().data)).toBeGreaterThanOrEqual(0.98);
    });

    it('NIfTI → SEG → NIfTI, and RTSTRUCT → SEG: the same mask each way', async () => {
      expect((await mask('convert', '--from', NIFTI('STS_002', 'mask'), '--image', PET('STS_002'), '--roi', 'GTV', '--out', f('from-nifti.dcm'))).code).toBe(0);
      const back = await mask('convert', '--from', f('from-nifti.dcm'), '--image', PET('STS_002'), '--out', f('from-seg.nii.gz'));
      expect(back.code).toBe(0);
      expect(back.stdout).toMatch(/^segment 'GTV' \(SEG\)/);
      const a = readNifti(f('from-seg.nii.gz')).data;
      const b = reference().data;
      expect(Array.from(a).filter((v, i) => (v !== 0) !== (b[i] !== 0))).toEqual([]);
      expect((await mask('convert', '--from', RS('STS_002'), '--image', PET('STS_002'), '--out', f('from-rs.dcm'))).code).toBe(0);
      const seg = readDicomMask(f('from-rs.dcm'), PET('STS_002'));
      expect(seg.name).toBe('GTV_Mass_PET');
      expect(dice(seg.mask.data, b)).toBe(1);
    });

    it('extract: DICOM series + RTSTRUCT, or + SEG, gives the features of the NIfTI pair', async () => {
      writeFileSync(f('params.yaml'), 'setting:\n  binCount: 16\nfeatureClass:\n  firstorder:\n  glcm: [Contrast, JointEntropy]\n  shape: [MeshVolume]\n');
      const fromNifti = await extract('--image', NIFTI('STS_002', 'image'), '--mask', NIFTI('STS_002', 'mask'), '--params', f('params.yaml'));
      const fromRs = await extract('--image', PET('STS_002'), '--mask', RS('STS_002'), '--params', f('params.yaml'));
      const fromSeg = await extract('--image', PET('STS_002'), '--mask', f('from-rs.dcm'), '--roi', 'GTV_Mass_PET', '--params', f('params.yaml'));
      for (const r of [fromNifti, fromRs, fromSeg]) expect(r.code).toBe(0);
      const [n, d, s] = [fromNifti, fromRs, fromSeg].map((r) => JSON.parse(r.stdout) as Record<string, number>);
      const names = Object.keys(n).filter((k) => k.startsWith('original_'));
      expect(names.length).toBeGreaterThan(18);
      const beyondOnePercent = names.filter((k) => Math.abs(d[k] - n[k]) > 0.01 * Math.max(Math.abs(d[k]), Math.abs(n[k])));
      expect(beyondOnePercent).toEqual([]);
      expect(names.filter((k) => s[k] !== d[k])).toEqual([]);
    });

    it('extract --batch takes the ROI column', async () => {
      writeFileSync(
        f('cases.csv'),
        `ID,Image,Mask,ROI\npet,${PET('STS_002')},${RS('STS_002')},GTV_Mass_PET\nwrong,${PET('STS_002')},${RS('STS_002')},GTV_Mass_CT\n`,
      );
      const r = await extract('--batch', f('cases.csv'), '--params', f('params.yaml'));
      expect(r.code).toBe(1);
      expect(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).ID),
      ).toEqual(['pet']);
      expect(r.stderr).toMatch(/wrong: file .*RS\.dcm, field 'ROIName \(3006,0026\)': no ROI named 'GTV_Mass_CT'/);
    });

    describe('bad input: exit 1, one line naming the file and the field, nothing written', () => {
      async function refused(from: string, field: string, ...extra: string[]): Promise<string> {
        const out = f(`never-${path.basename(from)}.nii.gz`);
        const before = readdirSync(dir).length;
        const r = await mask('convert', '--from', from, '--image', PET('STS_002'), '--out', out, ...extra);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`osteoflow mask convert: file ${from}, field '${field}': `);
        expect(lines[0]).toMatch(/\(expected .+\)$/);
        expect(lines[0].replaceAll(from, '').replaceAll(PET('STS_002'), '')).not.toMatch(/STS_00\d|1\.3\.6\.1\.4\.1\.14519/);
        expect(existsSync(out)).toBe(false);
        expect(readdirSync(dir).length).toBe(before);
        return lines[0];
      }

      it('an RTSTRUCT referencing another frame of reference', async () => {
        const bad = modifyDicom(RS('STS_002'), f('other-frame.dcm'), (ds) => {
          const other = '1.2.826.0.1.3680043.8.498.5151';
          ds.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID = other;
          ds.StructureSetROISequence[0].ReferencedFrameOfReferenceUID = other;
        });
        expect(await refused(bad, 'ReferencedFrameOfReferenceUID (3006,0024)')).toMatch(/another frame of reference/);
      });

      it('a missing ROI name (the names there are listed)', async () => {
        expect(await refused(RS('STS_002'), 'ROIName (3006,0026)', '--roi', 'GTV')).toMatch(/no ROI named 'GTV' \(expected one of 'GTV_Mass_PET'\)/);
      });

      it('contours entirely outside the image', async () => {
        const bad = modifyDicom(RS('STS_002'), f('outside.dcm'), (ds) => {
          for (const c of ds.ROIContourSequence[0].ContourSequence) {
            c.ContourData = c.ContourData.map((v: number, i: number) => (i % 3 === 1 ? Number((Number(v) - 500).toFixed(3)) : Number(v)));
          }
        });
        expect(await refused(bad, 'ContourData (3006,0050)')).toMatch(/entirely outside/);
      });

      it('a SEG of another size than the image (a SEG of STS_003 PET, its series named as STS_002’s)', async () => {
        expect((await mask('convert', '--from', RS('STS_003'), '--image', PET('STS_003'), '--out', f('sts3.dcm'))).code).toBe(0);
        const series = readDicomMask(RS('STS_002'), PET('STS_002')).series;
        const bad = modifyDicom(f('sts3.dcm'), f('sts3-as-sts2.dcm'), (ds) => {
          ds.FrameOfReferenceUID = series.frameOfReferenceUid;
          ds.ReferencedSeriesSequence[0].SeriesInstanceUID = series.volume.seriesInstanceUid;
        });
        expect(await refused(bad, 'Rows/Columns (0028,0010/0011)')).toMatch(/frames of 30×29 pixels, .* slices of 27×30/);
      });

      it('a file that is neither an RTSTRUCT nor a SEG', async () => {
        const image = path.join(PET('STS_002'), readdirSync(PET('STS_002')).sort()[0]);
        expect(await refused(image, 'SOPClassUID (0008,0016)')).toMatch(/neither RTSTRUCT nor SEG/);
        writeFileSync(f('notes.txt'), 'GTV drawn by hand\n');
        expect(await refused(f('notes.txt'), 'preamble (PS3.10 7.1)')).toMatch(/not a DICOM Part-10 file/);
        expect(await refused(NIFTI('STS_002', 'mask'), 'preamble (PS3.10 7.1)')).toMatch(/not a DICOM Part-10 file/);
      });

      it('extract refuses --roi with a mask that is no DICOM file', async () => {
        const r = await extract('--image', NIFTI('STS_002', 'image'), '--mask', NIFTI('STS_002', 'mask'), '--roi', 'GTV');
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/field 'mask': an ROI was named but the mask is not a DICOM file/);
      });
    });
  },
);
