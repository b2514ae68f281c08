// The scan store: content-addressed copies written through a partial name, reused when the same content comes again,
// and a full disk reported as such with nothing half-written left behind.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SourceUnavailable, StorageFullError, storeScan } from '../../../study/scanStore';
import { RadiomicsInputError } from '../../../imaging/errors';

const temp = () => mkdtempSync(path.join(os.tmpdir(), 'osteoflow-scans-'));

describe('storeScan', () => {
  it('stores a file under its content hash and reuses the copy for the same bytes', async () => {
    const src = path.join(temp(), 'scan.nii.gz');
    writeFileSync(src, 'image bytes');
    const dir = temp();
    const first = await storeScan(src, dir, 'T1CE');
    const digest = createHash('sha256').update('image bytes').digest('hex');
    expect(first).toEqual({ path: path.join(dir, `T1CE-${digest.slice(0, 12)}.nii.gz`), sha256: digest });
    expect(await storeScan(src, dir, 'T1CE')).toEqual(first);
    expect(readdirSync(dir)).toEqual([`T1CE-${digest.slice(0, 12)}.nii.gz`]);
  });

  it('reports a missing source as unavailable (retried by the activity)', async () => {
    await expect(storeScan(path.join(temp(), 'absent.nii.gz'), temp(), 'T2')).rejects.toThrow(SourceUnavailable);
  });

  it('reports a full disk as StorageFullError and leaves no partial file', async () => {
    const src = path.join(temp(), 'scan.nrrd');
    writeFileSync(src, 'nrrd bytes');
    const dir = temp();
    // The kernel's /dev/full answers every write with ENOSPC: the partial name (pid and clock) points there.
    jest.spyOn(Date, 'now').mockReturnValue(1234);
    symlinkSync('/dev/full', path.join(dir, `.T2-${process.pid}-1234.partial`));
    const failure = storeScan(src, dir, 'T2');
    await expect(failure).rejects.toThrow(StorageFullError);
    jest.restoreAllMocks();
    await expect(failure).rejects.toThrow(`the study store ${dir} is full (ENOSPC); free space there, then the scan is stored on retry`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('copies a DICOM folder as one content-addressed folder', async () => {
    const series = temp();
    writeFileSync(path.join(series, 'a.dcm'), 'slice a');
    writeFileSync(path.join(series, 'b.dcm'), 'slice b');
    const dir = temp();
    const stored = await storeScan(series, dir, 'CT');
    expect(readdirSync(stored.path).sort()).toEqual(['a.dcm', 'b.dcm']);
    expect(readdirSync(dir)).toEqual([path.basename(stored.path)]);
  });

  describe('refuses what is not a scan, without reading it', () => {
    const secret = 'root:x:0:0:secret-marker';
    const refused = async (source: string, message: string, options = {}) => {
      const dir = temp();
      const failure = storeScan(source, dir, 'T1CE', options);
      await expect(failure).rejects.toThrow(RadiomicsInputError);
      await expect(failure).rejects.toThrow(message);
      await failure.catch((err: Error) => expect(err.message).not.toContain('secret-marker'));
      expect(readdirSync(dir)).toEqual([]);
    };

    it('a symbolic link, even to a readable file', async () => {
      const outside = path.join(temp(), 'passwd');
      writeFileSync(outside, secret);
      const link = path.join(temp(), 'scan.nii.gz');
      symlinkSync(outside, link);
      await refused(link, `file ${link}, field 'source': is a symbolic link (expected a regular file, a DICOM series folder of regular files`);
    });

    it('a symbolic link inside a DICOM series folder', async () => {
      const outside = path.join(temp(), 'passwd');
      writeFileSync(outside, secret);
      const series = temp();
      writeFileSync(path.join(series, 'a.dcm'), 'slice a');
      symlinkSync(outside, path.join(series, 'b.dcm'));
      await refused(series, `file ${path.join(series, 'b.dcm')}, field 'source': is a symbolic link inside a DICOM series folder`);
    });

    it('a FIFO, at once instead of blocking the worker', async () => {
      const fifo = path.join(temp(), 'scan.nii.gz');
      execFileSync('mkfifo', [fifo]);
      await refused(fifo, 'is not a regular file (a FIFO, socket or device)');
    });

    it('a device such as /dev/zero, before it can fill memory', async () => {
      await refused('/dev/zero', "file /dev/zero, field 'source': is not a regular file");
    });

    it('a file above the size cap', async () => {
      const big = path.join(temp(), 'scan.nii.gz');
      writeFileSync(big, Buffer.alloc(2048));
      await refused(big, 'is 2048 bytes, larger than 1024 (expected at most 1024 bytes)', { maxFileBytes: 1024 });
    });

    it('a folder with more files than a series may hold', async () => {
      const series = temp();
      for (const name of ['a.dcm', 'b.dcm', 'c.dcm']) writeFileSync(path.join(series, name), name);
      await refused(series, 'holds 3 files, more than 2', { maxFolderFiles: 2 });
    });
  });

  describe('downloads', () => {
    let server: http.Server;
    let base: string;
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        if (req.url === '/scan.nii.gz') {
          res.end(Buffer.alloc(300_000, 7));
        } else if (req.url === '/redirect') {
          res.writeHead(302, { location: 'http://elsewhere.invalid/scan.nii.gz' });
          res.end();
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('streams the body to the store, hashing it and reporting progress', async () => {
      const dir = temp();
      const progress: number[] = [];
      const stored = await storeScan(`${base}/scan.nii.gz`, dir, 'PET', { onProgress: (bytes) => progress.push(bytes) });
      const digest = createHash('sha256').update(Buffer.alloc(300_000, 7)).digest('hex');
      expect(stored).toEqual({ path: path.join(dir, `PET-${digest.slice(0, 12)}.nii.gz`), sha256: digest });
      expect(progress[progress.length - 1]).toBe(300_000);
      expect(readdirSync(dir)).toEqual([`PET-${digest.slice(0, 12)}.nii.gz`]);
    });

    it('stops a download above the size cap and keeps nothing of it', async () => {
      const dir = temp();
      await expect(storeScan(`${base}/scan.nii.gz`, dir, 'PET', { maxFileBytes: 100_000 })).rejects.toThrow('is larger than 100000 bytes');
      expect(readdirSync(dir)).toEqual([]);
    });

    it('checks every redirect against the source policy', async () => {
      const policy = { importRoots: [os.tmpdir()], allowedHosts: ['127.0.0.1'], allowHttp: true, allowPrivateAddresses: true };
      const dir = temp();
      await expect(storeScan(`${base}/redirect`, dir, 'PET', { policy })).rejects.toThrow(
        `file http://elsewhere.invalid/scan.nii.gz, field 'source': names host elsewhere.invalid, which is not allowed`,
      );
      expect(readdirSync(dir)).toEqual([]);
      // The same policy lets the allowed host's own file through.
      await expect(storeScan(`${base}/scan.nii.gz`, dir, 'PET', { policy })).resolves.toMatchObject({ sha256: expect.any(String) });
    });

    it('reports an HTTP error as unavailable (retried)', async () => {
      await expect(storeScan(`${base}/absent.nii.gz`, temp(), 'PET')).rejects.toThrow(SourceUnavailable);
    });
  });
});
