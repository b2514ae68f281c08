// A study's files by content: a folder's manifest has the address scanStore gives the folder, a file stored on one
// host is laid out on another from the blob store alone, a stale copy under the same name is replaced, and `blob:`
// sources are staged for acquisition or refused with the source named.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalFolderBlobStore } from '../../../store/blobs';
import { storeScan, SourceUnavailable } from '../../../study/scanStore';
import { StudyFiles, folderManifest, layOutBlob, parseManifest, publishFile } from '../../../study/storedFiles';
import { stageBlobSource, storeNamesOf, studyParamsFile } from '../../../activities/pipeline/storedScans';
import type { StudyProtocol } from '../../../contracts/study';

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-storedfiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (...parts: string[]) => path.join(dir, ...parts);
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A DICOM-like series folder: three files whose names sort differently by code unit than by number. */
function series(name: string): string {
  const folder = at('sources', name);
  mkdirSync(folder, { recursive: true });
  for (const [file, text] of [
    ['IM10.dcm', 'tenth'],
    ['IM2.dcm', 'second'],
    ['IM1.dcm', 'first'],
  ])
    writeFileSync(path.join(folder, file), `${name}:${text}`);
  return folder;
}

describe('the folder manifest', () => {
  it("has the sha256 scanStore gives the folder, and lists the files in scanStore's order", async () => {
    const source = series('ct');
    const stored = await storeScan(source, at('host-a', 'OS-1', 'P1', 'baseline'), 'CT');
    const blobs = new LocalFolderBlobStore(at('blobs-manifest'));
    expect(await publishFile(blobs, stored.path)).toBe(stored.sha256);
    // Independently: the lines as scanStore's comment defines them, in code-unit order (IM1, IM10, IM2).
    const expected = ['IM1.dcm', 'IM10.dcm', 'IM2.dcm'].map((f) => `${f}\0${sha(readFileSync(path.join(source, f)))}\n`).join('');
    expect(readFileSync(await blobs.fetch(stored.sha256), 'utf8')).toBe(expected);
    expect(sha(expected)).toBe(stored.sha256);
  });

  it('parses only whole manifests: an image file, a path in a name or a short address is not one', () => {
    const good = folderManifest([{ name: 'a.dcm', sha256: 'a'.repeat(64) }]);
    expect(parseManifest(Buffer.from(good))).toEqual([{ name: 'a.dcm', sha256: 'a'.repeat(64) }]);
    expect(parseManifest(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x0a]))).toBeUndefined(); // gzip (a .nii.gz)
    expect(parseManifest(Buffer.from(`../etc/passwd\0${'a'.repeat(64)}\n`))).toBeUndefined();
    expect(parseManifest(Buffer.from(`a.dcm\0${'a'.repeat(63)}\n`))).toBeUndefined();
    expect(parseManifest(Buffer.from(`..\0${'a'.repeat(64)}\n`))).toBeUndefined();
    expect(parseManifest(Buffer.from(good.slice(0, -1)))).toBeUndefined(); // no final newline
    expect(parseManifest(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('StudyFiles across hosts', () => {
  it('lays out on host B, from the blob store alone, the series and the file host A stored', async () => {
    const blobs = new LocalFolderBlobStore(at('blobs-shared'));
    const hostA = new StudyFiles(blobs, at('host-a-root'));
    const hostB = new StudyFiles(blobs, at('host-b-root'));
    const study = { studyId: 'OS-2' };
    const timepoint = hostA.timepointFolder(study, 'P1', 'baseline');
    const ct = await storeScan(series('mr'), timepoint, 'T1');
    const maskFile = at('sources', 'mask.nii.gz');
    writeFileSync(maskFile, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    const mask = await storeScan(maskFile, timepoint, 'mask');
    const refs = [await hostA.publish(study, ct.path, ct.sha256), await hostA.publish(study, mask.path, mask.sha256)];
    expect(refs.map((r) => r.path)).toEqual([`P1/baseline/${path.basename(ct.path)}`, `P1/baseline/${path.basename(mask.path)}`]);

    const [onB, maskOnB] = await hostB.localise(study, refs);
    expect(onB).toMatchObject({ path: at('host-b-root', 'OS-2', 'P1', 'baseline', path.basename(ct.path)) });
    expect(readdirSync(onB.path)).toEqual(readdirSync(ct.path));
    for (const f of readdirSync(ct.path)) expect(readFileSync(path.join(onB.path, f))).toEqual(readFileSync(path.join(ct.path, f)));
    expect(readFileSync(maskOnB.path)).toEqual(readFileSync(mask.path));
    // Nothing half-made is left beside them.
    expect(readdirSync(path.dirname(onB.path)).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it("replaces a stale copy whose name does not carry the address, and refuses a name that leaves the study's folder", async () => {
    const blobs = new LocalFolderBlobStore(at('blobs-stale'));
    const files = new StudyFiles(blobs, at('stale-root'));
    const source = at('sources', 'new-mask.nii.gz');
    writeFileSync(source, 'the new mask');
    const { sha256 } = await blobs.put(source);
    const target = at('stale-root', 'OS-3', 'P1', 'mid', 'mask.auto.nii.gz');
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, 'an older mask under the same name');
    expect(await files.local({ studyId: 'OS-3' }, { path: 'P1/mid/mask.auto.nii.gz', sha256 })).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('the new mask');
    await expect(files.local({ studyId: 'OS-3' }, { path: 'P1/../../../etc/passwd', sha256 })).rejects.toThrow(
      "stored file name 'P1/../../../etc/passwd': expected <pseudonym>/<timepoint>/<file>",
    );
  });

  it('uses an absolute path of an earlier version where it exists, and fetches by address where it does not', async () => {
    const blobs = new LocalFolderBlobStore(at('blobs-legacy'));
    const files = new StudyFiles(blobs, at('legacy-root'));
    const here = at('sources', 'legacy.nii.gz');
    writeFileSync(here, 'legacy bytes');
    const { sha256 } = await blobs.put(here);
    expect(await files.local({ studyId: 'OS-4' }, { path: here, sha256 })).toBe(here);
    const elsewhere = await files.local({ studyId: 'OS-4' }, { path: '/another/host/legacy.nii.gz', sha256 });
    expect(path.basename(elsewhere)).toBe('legacy.nii.gz');
    expect(readFileSync(elsewhere, 'utf8')).toBe('legacy bytes');
  });

  it("on one host, keeps files in the protocol's folder and makes a stored file a blob by a hard link, not a copy", async () => {
    const blobs = new LocalFolderBlobStore(at('blobs-link'));
    const files = new StudyFiles(blobs);
    const study = { studyId: 'OS-5', storeDir: at('single', 'OS-5') };
    const copy = await storeScan(series('pet'), files.timepointFolder(study, 'P1', 'baseline'), 'PET');
    const ref = await files.publish(study, copy.path, copy.sha256);
    const first = readdirSync(copy.path)[0];
    const blob = await blobs.fetch(sha(readFileSync(path.join(copy.path, first))));
    expect(statSync(blob).ino).toBe(statSync(path.join(copy.path, first)).ino);
    expect(await files.local(study, ref)).toBe(copy.path);
    expect(() => new StudyFiles(blobs).folderOf({ studyId: 'OS-6' })).toThrow('study OS-6: this worker has no study folder');
  });
});

describe('blob: sources', () => {
  it('stages a blob under its registered name, and names the source when it is not stored or malformed', async () => {
    const blobs = new LocalFolderBlobStore(at('blobs-source'));
    const files = new StudyFiles(blobs, at('source-root'));
    const file = at('sources', 'T2.nii.gz');
    writeFileSync(file, 'a T2 image');
    const { sha256 } = await blobs.put(file);
    const dir = at('source-root', 'OS-7', 'P1', 'baseline');
    const staged = (await stageBlobSource(files, `blob:${sha256}/T2.nii.gz`, dir))!;
    expect(path.basename(staged.path)).toBe('T2.nii.gz');
    expect(readFileSync(staged.path, 'utf8')).toBe('a T2 image');
    expect((staged.named.error(new Error(`${staged.path} is not a NIfTI file`)) as Error).message).toBe(`blob:${sha256}/T2.nii.gz is not a NIfTI file`);
    staged.remove();
    expect(existsSync(staged.path)).toBe(false);
    expect(await stageBlobSource(files, file, dir)).toBeUndefined();

    const missing = `blob:${'0'.repeat(64)}`;
    await expect(stageBlobSource(files, missing, dir)).rejects.toThrow(new SourceUnavailable(`${missing} is not in ${blobs.description}`));
    await expect(stageBlobSource(files, 'blob:ABC/x.nii.gz', dir)).rejects.toThrow(
      "file blob:ABC/x.nii.gz, field 'source': is not a blob address (expected blob:<sha256> or blob:<sha256>/<file name> (64 lower-case hex digits))",
    );
    // A failed staging leaves nothing in the timepoint's folder.
    expect(readdirSync(dir).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('lays a manifest out as a folder of its files', async () => {
    const blobs = new LocalFolderBlobStore(at('blobs-layout'));
    const folder = series('dwi');
    const address = await publishFile(blobs, folder);
    await layOutBlob(blobs, address, at('layout', 'DWI'));
    expect(readdirSync(at('layout', 'DWI')).sort()).toEqual(readdirSync(folder).sort());
  });
});

describe("the study's parameter file", () => {
  it('is the file where this host has it, else the bytes enrolled with the study, else the path (whose reader names it)', async () => {
    const blobs = new LocalFolderBlobStore(at('blobs-params'));
    const files = new StudyFiles(blobs, at('params-root'));
    const file = at('sources', 'params.yaml');
    writeFileSync(file, 'setting:\n  binWidth: 25\n');
    const { sha256 } = await blobs.put(file);
    const protocol = (features: Partial<StudyProtocol['features']>) => ({ features: { paramsFile: file, paramHash: 'h', ...features } }) as StudyProtocol;
    expect(await studyParamsFile(protocol({ paramsSha256: sha256 }), files)).toBe(file);
    const elsewhere = protocol({ paramsFile: '/coordinator/host/params.yaml', paramsSha256: sha256 });
    expect(readFileSync(await studyParamsFile(elsewhere, files), 'utf8')).toBe('setting:\n  binWidth: 25\n');
    expect(await studyParamsFile(protocol({ paramsFile: '/coordinator/host/params.yaml' }), files)).toBe('/coordinator/host/params.yaml');
  });
});

describe('what an activity says of laid-out files', () => {
  it('names them by their store names, a file inside a series folder included, in text, verdicts and errors', () => {
    const given = [
      { path: 'P1/baseline/CT-0123456789ab', sha256: 'a'.repeat(64) },
      { path: 'P1/baseline/CT-0123456789ab-mask.nii.gz', sha256: 'b'.repeat(64) },
    ];
    const local = given.map((g) => ({ ...g, path: `/hosts/b/studies/OS-1/${g.path}` }));
    const names = storeNamesOf(given, local);
    expect(names.text(`file ${local[0].path}/IM1.dcm, and ${local[1].path}`)).toBe(`file ${given[0].path}/IM1.dcm, and ${given[1].path}`);
    expect(names.value({ reasons: [`mask ${local[1].path} is empty`] })).toEqual({ reasons: [`mask ${given[1].path} is empty`] });
    expect((names.error(new Error(`cannot read ${local[0].path}`)) as Error).message).toBe(`cannot read ${given[0].path}`);
  });
});
