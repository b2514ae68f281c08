// The coordinator's command line against the real stack: enrol, show, a rejected registration, withdraw, list.
import { osteoflowStudy as osteoflow } from './support/cli';
import { connectHarness, eventually, makeStudy, type Harness } from './support/pipeline';

jest.setTimeout(120000);

let harness: Harness;
beforeAll(async () => {
  harness = await connectHarness();
});
afterAll(async () => harness?.close());

it('enrols, shows, rejects a bad registration without changing anything, withdraws and lists', async () => {
  const study = makeStudy({ patients: 1, seed: 61 });
  const { writeSyntheticStudyFile } = await import('../../cli/syntheticStudy');
  const studyFile = writeSyntheticStudyFile(study.dir, { studyId: study.protocol.studyId });
  const pipeline = await harness.startWorker();
  await pipeline.worker.runUntil(async () => {
    const id = { study: study.protocol.studyId, patient: 'SYN-001' };
    expect(await osteoflow('enrol', '--study-file', studyFile, '--patient', id.patient)).toEqual({ code: 0, out: `enrolled: ${id.study}/${id.patient}\n` });
    const shown = await osteoflow('show', '--study', id.study, '--patient', id.patient);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^.*SYN-001: baseline\n {2}baseline\s+pending\s+due \d{4}-\d\d-\d\d/);

    const rejected = await osteoflow(
      'register',
      '--study',
      id.study,
      '--patient',
      id.patient,
      '--timepoint',
      'week-9',
      '--modality',
      'T1CE',
      '--source',
      '/x.nii.gz',
    );
    expect(rejected).toEqual({
      code: 1,
      out: 'osteoflow study register: rejected: unknown timepoint "week-9" (expected one of baseline, mid, preop) (nothing was changed)\n',
    });

    const missing = await osteoflow('register', '--study', id.study, '--patient', id.patient);
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/--timepoint is required/);

    const withdrawn = await osteoflow('withdraw', '--study', id.study, '--patient', id.patient, '--reason', 'consent withdrawn');
    expect(withdrawn.out).toMatch(/SYN-001: withdrawn \(withdrawn: consent withdrawn\)/);
  });
  await pipeline.close();
  // Visibility is eventually consistent.
  const listed = await eventually(
    () => osteoflow('list', '--study', study.protocol.studyId),
    (r) => r.out.includes('SYN-001'),
    30000,
    'listing',
  );
  expect(listed).toEqual({ code: 0, out: `${study.protocol.studyId}/SYN-001\n` });
});
