// The extraction activity as a worker runs it, beat by beat (the mock environment passes every heartbeat on, where a
// real worker throttles them): a first beat naming the scan, then one per derived image as the extraction pool
// finishes it — every image of the parameter file — with each scan counted, and the features stored.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../activities';
import { writeNifti } from '../../../imaging/io';
import { loadParamsFile, paramsHash } from '../../../radiomics';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import type { StudyProtocol } from '../../../contracts/study';
import type { AcquiredScan } from '../../../contracts/pipeline';
import type { FeatureSetRef } from '../../../contracts/timeline';
import type { Geometry } from '../../../imaging/image';

jest.setTimeout(120000);

it('heartbeats the scan and every derived image while the pool extracts', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-extract-progress-'));
  const size: [number, number, number] = [40, 40, 24];
  const geometry: Geometry = { size, spacing: [1, 1, 1.5], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const n = size[0] * size[1] * size[2];
  const image = new Int16Array(n);
  const mask = new Uint8Array(n);
  for (let z = 0, i = 0; z < size[2]; z++)
    for (let y = 0; y < size[1]; y++)
      for (let x = 0; x < size[0]; x++, i++) {
        const inside = (x - 20) ** 2 + (y - 20) ** 2 + ((z - 12) * 1.5) ** 2 <= 12 ** 2;
        image[i] = 100 + ((x * 7 + y * 13 + z * 31) % 41) + (inside ? 300 + ((x * y) % 23) : 0);
        mask[i] = inside ? 1 : 0;
      }
  const files = { T1CE: path.join(dir, 'T1CE.nii.gz'), T2: path.join(dir, 'T2.nii.gz'), mask: path.join(dir, 'mask.nii.gz') };
  writeNifti(files.T1CE, { geometry, data: image });
  writeNifti(files.T2, { geometry, data: image.map((v) => 2000 - v) });
  writeNifti(files.mask, { geometry, data: mask });
  const paramsFile = path.join(dir, 'params.yaml');
  // Original, LoG σ 1 and 2, and the eight wavelet sub-bands: eleven derived images per scan.
  writeFileSync(
    paramsFile,
    stringify({
      imageType: { Original: {}, LoG: { sigma: [1.0, 2.0] }, Wavelet: {} },
      featureClass: { firstorder: null, glcm: null },
      setting: { binCount: 16 },
    }),
  );
  const protocol = { studyId: 'OS-P', features: { paramsFile, paramHash: paramsHash(loadParamsFile(paramsFile)) } } as unknown as StudyProtocol;
  const acquired: AcquiredScan[] = [
    { modality: 'T1CE', role: 'image', path: files.T1CE, sha256: 'a', source: files.T1CE },
    { modality: 'T2', role: 'image', path: files.T2, sha256: 'b', source: files.T2 },
    { modality: 'mask', role: 'mask', path: files.mask, sha256: 'c', source: files.mask },
  ];
  const store = new SqliteResultsStore(path.join(dir, 'results.sqlite'));
  const activities = createActivities({ store, predictor: { predict: async () => ({ prediction: null, note: 'none' }) } });
  const env = new MockActivityEnvironment();
  const beats: { modality: string; scan: string; image?: string }[] = [];
  env.on('heartbeat', (d: (typeof beats)[number]) => beats.push(d));
  try {
    const result: FeatureSetRef = await env.run(activities.extractFeatures, { protocol, pseudonym: 'SYN-P', timepoint: 'baseline', acquired });
    expect(result.modalities).toEqual(['T1CE', 'T2']);
    for (const [k, modality] of ['T1CE', 'T2'].entries()) {
      const own = beats.filter((b) => b.modality === modality);
      expect(own[0]).toEqual({ modality, scan: `${k + 1} of 2` });
      // One beat per derived image as it is done (the pool may finish them in any order), each named "k of 11".
      const images = own.filter((b) => b.image).map((b) => b.image!);
      expect(images.length).toBeGreaterThanOrEqual(11);
      expect(new Set(images)).toEqual(new Set(Array.from({ length: 11 }, (_, i) => `${i + 1} of 11`)));
      expect(own.every((b) => b.scan === `${k + 1} of 2`)).toBe(true);
    }
    expect(await store.countFeatureRows({ studyId: 'OS-P', pseudonym: 'SYN-P', timepoint: 'baseline' })).toBe(result.featureCount);
  } finally {
    await store.close();
  }
});
