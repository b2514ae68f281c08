// The console shows the files pipeline messages name by their names only, never the folders they lie in on a server.
import { withoutFolders } from '../../../console/server/withoutFolders';

describe('withoutFolders', () => {
  it.each([
    [
      "T2: unreadable (file /tmp/osteoflow-study-31FhuT/store/E2E/SYN-002/baseline/T2-45459e64f784.nii.gz, field 'data': compressed data cannot be read)",
      "T2: unreadable (file T2-45459e64f784.nii.gz, field 'data': compressed data cannot be read)",
    ],
    ['mask /srv/a/mask.nii.gz and image /srv/a/T1CE.nrrd differ in size', 'mask mask.nii.gz and image T1CE.nrrd differ in size'],
    ["segmentTumour: EPERM: operation not permitted, open '/store/S/P/mask.nii.gz'", "segmentTumour: EPERM: operation not permitted, open 'mask.nii.gz'"],
  ])('%s', (text, shown) => {
    expect(withoutFolders(text)).toBe(shown);
  });

  it('leaves URLs, units and relative names as they are', () => {
    for (const text of [
      'source https://pacs.example/dicom-web/studies/1.2.3 did not answer',
      'spacing 0.8 mm/px over 12 slices',
      'T2.nii.gz: 12 slices',
      '/single',
    ])
      expect(withoutFolders(text)).toBe(text);
  });
});
