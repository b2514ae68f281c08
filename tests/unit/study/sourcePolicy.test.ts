// Where scans may come from: import roots checked on the real path, URLs by scheme, host and address.
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkFileSource, checkUrlSource, isPrivateAddress, type SourcePolicy } from '../../../study/sourcePolicy';

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-import-')));
const policy: SourcePolicy = {
  importRoots: [path.join(root, 'exports')],
  allowedHosts: ['pacs.example.org', '127.0.0.1'],
  allowHttp: false,
  allowPrivateAddresses: false,
};
mkdirSync(path.join(root, 'exports'));
writeFileSync(path.join(root, 'exports', 'scan.nii.gz'), 'scan');
writeFileSync(path.join(root, 'secret.txt'), 'root:x:0:0');
symlinkSync(path.join(root, 'secret.txt'), path.join(root, 'exports', 'link.nii.gz'));

describe('checkFileSource', () => {
  it('accepts a file under an import root', () => {
    expect(checkFileSource(path.join(root, 'exports', 'scan.nii.gz'), policy)).toBe(path.join(root, 'exports', 'scan.nii.gz'));
  });

  it.each([
    ['a path that climbs out with ..', () => path.join(root, 'exports', '..', 'secret.txt'), 'lies outside the import roots'],
    ['a link under the root to a file outside it', () => path.join(root, 'exports', 'link.nii.gz'), 'lies outside the import roots'],
    ['a file elsewhere', () => '/etc/hostname', 'lies outside the import roots'],
    ['a relative path', () => '../../../../etc/hostname', 'is a relative path (expected an absolute path under an import root)'],
  ])('refuses %s, naming the source and the roots', (_what, source, message) => {
    expect(() => checkFileSource(source(), policy)).toThrow(message);
    expect(() => checkFileSource(source(), policy)).toThrow(/field 'source'/);
    expect(() => checkFileSource(source(), policy)).not.toThrow(/root:x/);
  });

  it('lets a path that does not exist yet through (the copy reports it as unavailable and retries)', () => {
    expect(checkFileSource(path.join(root, 'exports', 'later.nii.gz'), policy)).toBe(path.join(root, 'exports', 'later.nii.gz'));
  });
});

describe('isPrivateAddress', () => {
  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['127.0.0.1', true],
    ['100.64.0.1', true],
    ['8.8.8.8', false],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['2001:4860:4860::8888', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('checkUrlSource', () => {
  it('refuses plain http unless allowed', async () => {
    await expect(checkUrlSource('http://pacs.example.org/scan.nii.gz', policy)).rejects.toThrow(
      "file http://pacs.example.org/scan.nii.gz, field 'source': uses http (expected an https URL (plain http is not allowed here))",
    );
  });

  it('refuses a host not on the allow-list, before resolving it', async () => {
    await expect(checkUrlSource('https://elsewhere.invalid/scan.nii.gz', policy)).rejects.toThrow(
      'names host elsewhere.invalid, which is not allowed (expected one of pacs.example.org, 127.0.0.1)',
    );
  });

  it('refuses an allowed host on a private or loopback address unless private addresses are allowed', async () => {
    await expect(checkUrlSource('https://127.0.0.1/scan.nii.gz', policy)).rejects.toThrow('which has a private or loopback address');
    await expect(checkUrlSource('https://127.0.0.1/scan.nii.gz', { ...policy, allowPrivateAddresses: true })).resolves.toBeUndefined();
  });

  it('refuses what is not a URL', async () => {
    await expect(checkUrlSource('https://', policy)).rejects.toThrow('is not a valid URL');
  });
});
