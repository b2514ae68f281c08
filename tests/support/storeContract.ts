// The results store's contract as tests, run against every backend (the unit project on SQLite, the integration
// project on a real PostgreSQL): replaces in one transaction, idempotent scans and QC attempts, pathology recorded once,
// the prediction ledger's hash chain (recomputed here from the form documented in store/ledger.ts), its append-only
// triggers and the first broken link after a hand edit, flags and reads derived from it, the prospective set, clinical
// values with the time they are known, deltas by parameter hash, bytewise text order, and concurrent writers.
import { createHash } from 'node:crypto';
import { StoreConflictError, type FeatureSet, type LedgerAppend, type ResultsStore } from '../../store/types';

export interface StoreBackend {
  name: string;
  /** A new, empty, migrated store of its own. */
  open(): Promise<ResultsStore>;
  /** Runs one SQL statement on the store's database from another connection, as someone at a database prompt would. */
  sql(store: ResultsStore, statement: string): Promise<Array<Record<string, unknown>>>;
  /** Drops the triggers that keep the ledger append-only (what the database's owner can do). */
  dropAppendOnly(store: ResultsStore): Promise<void>;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const H1 = sha('row 1');
const H2 = sha('row 2');
const GENESIS = '0'.repeat(64);

/** The entry hash as documented in store/ledger.ts, computed here independently of the store's code. */
function expectedHash(prev: string, e: Record<string, unknown>): string {
  return sha(
    JSON.stringify([
      'osteoflow-ledger/1',
      prev,
      e.studyId,
      e.pseudonym,
      e.timepoint,
      e.model,
      e.modelVersion,
      e.probability,
      e.featuresSha256,
      e.predictedAt,
      e.inSample,
      e.rescore,
      e.mode,
      e.attempt,
    ]),
  );
}

export function describeStoreContract(backend: StoreBackend): void {
  const opened: ResultsStore[] = [];
  const open = async () => {
    const store = await backend.open();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  const tp = { studyId: 'OS-1', pseudonym: 'SYN-001', timepoint: 'baseline' };
  const set = (features: Record<string, number>, extra: Partial<FeatureSet> = {}): FeatureSet => ({
    ...tp,
    modality: 'T1CE',
    paramHash: 'p1',
    engineVersion: '0.1.0',
    imageHash: 'img',
    maskHash: 'msk',
    extractedAt: '2026-11-26T00:00:00Z',
    features,
    ...extra,
  });
  const base: LedgerAppend = {
    studyId: 'OS-1',
    pseudonym: 'SYN-001',
    timepoint: 'preop',
    model: 'osteoflow-response',
    modelVersion: '3',
    probability: 0.7,
    predictedAt: '2026-01-01T00:00:00.000Z',
    featuresSha256: H1,
    inSample: false,
  };

  describe(`results store contract: ${backend.name}`, () => {
    describe('feature sets, deltas, scans, QC and pathology', () => {
      it('writes a feature set idempotently: a retried write leaves one copy', async () => {
        const store = await open();
        const features = { original_firstorder_Mean: 12.5, original_glcm_Contrast: 3.25, original_shape_MeshVolume: 1000 };
        expect(await store.putFeatureSet(set(features))).toEqual({ featureCount: 3 });
        await store.putFeatureSet(set(features));
        expect(await store.countFeatureRows(tp)).toBe(3);
        const [read] = await store.getFeatureSets(tp);
        expect(read).toEqual(set(features));
      });

      it('replaces a set whole, keeps other modalities and parameter files apart, and reads one parameter hash', async () => {
        const store = await open();
        await store.putFeatureSet(set({ a_firstorder_Mean: 1, a_firstorder_Median: 2 }));
        await store.putFeatureSet(set({ a_firstorder_Mean: 3 }, { modality: 'ADC' }));
        await store.putFeatureSet(set({ a_firstorder_Mean: 4 }, { paramHash: 'p2' }));
        await store.putFeatureSet(set({ a_firstorder_Kurtosis: 5 }, { imageHash: 'img2' }));
        const all = await store.getFeatureSets(tp);
        expect(all.map((s) => [s.modality, s.paramHash, s.features, s.imageHash])).toEqual([
          ['ADC', 'p1', { a_firstorder_Mean: 3 }, 'img'],
          ['T1CE', 'p1', { a_firstorder_Kurtosis: 5 }, 'img2'],
          ['T1CE', 'p2', { a_firstorder_Mean: 4 }, 'img'],
        ]);
        expect((await store.getFeatureSets(tp, 'p2')).map((s) => s.modality)).toEqual(['T1CE']);
        expect(await store.countFeatureRows(tp)).toBe(3);
        expect(await store.getFeatureSets({ ...tp, timepoint: 'mid' })).toEqual([]);
      });

      it('keeps the previous feature set when a replacing write fails', async () => {
        const store = await open();
        await store.putFeatureSet(set({ original_firstorder_Mean: 1 }));
        // The second value cannot be stored as a number, so the write fails after the old set was deleted inside the transaction.
        const broken = set({ original_firstorder_Mean: 2, original_firstorder_Median: Symbol('not a number') as unknown as number });
        await expect(store.putFeatureSet(broken)).rejects.toThrow();
        const [read] = await store.getFeatureSets(tp);
        expect(read.features).toEqual({ original_firstorder_Mean: 1 });
        expect(await store.countFeatureRows(tp)).toBe(1);
      });

      it('round-trips NaN features (PyRadiomics gives NaN for some degenerate ROIs) and doubles exactly', async () => {
        const store = await open();
        const exact = {
          original_glcm_Correlation: Number.NaN,
          a_firstorder_Mean: 0.1 + 0.2,
          b_firstorder_Mean: 1e-310,
          c_firstorder_Mean: -123456789.98765433,
        };
        await store.putFeatureSet(set(exact));
        const { features } = (await store.getFeatureSets(tp))[0];
        expect(features.original_glcm_Correlation).toBeNaN();
        // 0.1 + 0.2 needs all 17 digits; 1e-310 is subnormal: both must come back as the same double.
        expect([features.a_firstorder_Mean, features.b_firstorder_Mean, features.c_firstorder_Mean]).toEqual([
          0.30000000000000004, 1e-310, -123456789.98765433,
        ]);
      });

      it('records pathology once: the same record again is a no-op, a different one a conflict that changes nothing', async () => {
        const store = await open();
        const record = { studyId: 'OS-1', pseudonym: 'SYN-001', necrosisPct: 95, huvosGrade: 'III' as const, date: '2026-03-01' };
        await store.recordPathology(record);
        await store.recordPathology(record);
        const conflict = store.recordPathology({ ...record, necrosisPct: 40, huvosGrade: 'II' });
        await expect(conflict).rejects.toBeInstanceOf(StoreConflictError);
        await expect(conflict).rejects.toThrow('pathology for OS-1/SYN-001 is already recorded (necrosis 95 %, Huvos III, 2026-03-01); it is not overwritten');
        expect(await store.getPathology(record)).toEqual(record);
        expect(await store.getPathology({ studyId: 'OS-1', pseudonym: 'SYN-404' })).toBeUndefined();
      });

      it('replaces deltas atomically and keeps scans idempotent; the latest live prediction per version is the one read', async () => {
        const store = await open();
        const mid = { ...tp, timepoint: 'mid' };
        const row = {
          modality: 'T1CE',
          feature: 'original_shape_MeshVolume',
          reference: 'baseline' as const,
          referenceTimepoint: 'baseline',
          absolute: -100,
          relative: -0.1,
        };
        await store.putDeltas(mid, 'p1', [row, { ...row, feature: 'original_firstorder_Mean' }]);
        await store.putDeltas(mid, 'p1', [row]);
        expect(await store.getDeltas(mid)).toEqual([row]);
        expect(await store.getDeltas(mid, 'p1')).toEqual([row]);
        expect(await store.getDeltas(mid, 'p2')).toEqual([]);
        // An undefined change: absolute NaN, relative null (|ref| ≈ 0).
        await store.putDeltas(mid, 'p1', [{ ...row, absolute: Number.NaN, relative: null }]);
        expect(await store.getDeltas(mid)).toEqual([{ ...row, absolute: Number.NaN, relative: null }]);
        const scan = { ...tp, modality: 'T1CE', role: 'image' as const, sha256: 'abc', path: '/s/a', source: '/src/a' };
        await store.recordScan(scan);
        await store.recordScan(scan);
        await store.recordScan({ ...scan, role: 'mask', sha256: 'def', path: '/s/m' });
        expect(await store.listScans(tp)).toEqual([scan, { ...scan, role: 'mask', sha256: 'def', path: '/s/m' }]);
        const prediction = { ...mid, model: 'osteoflow-response', modelVersion: '3', probability: 0.7, predictedAt: 't1' };
        await store.recordPrediction(prediction);
        await store.recordPrediction({ ...prediction, probability: 0.71, predictedAt: 't2' });
        expect(await store.listPredictions(tp)).toEqual([{ ...prediction, probability: 0.71, predictedAt: 't2' }]);
      });

      it('keeps one QC row per activity attempt: a retry replaces its own verdict, another attempt adds one', async () => {
        const store = await open();
        const finding = { code: 'too-few-slices' as const, modality: 'T1CE', message: 'T1CE: 4 slices (minimum 8)' };
        const verdict = { ...tp, passed: false, reasons: [finding.message], findings: [finding], checkedAt: '2026-11-26T00:00:00Z' };
        await store.recordQc({ ...verdict, attempt: 'OS-1/SYN-001/run-1/3' });
        await store.recordQc({ ...verdict, attempt: 'OS-1/SYN-001/run-1/3', checkedAt: '2026-11-26T00:01:00Z' });
        const rows = () => backend.sql(store, 'SELECT attempt, checked_at FROM qc_results ORDER BY id');
        expect(await rows()).toEqual([{ attempt: 'OS-1/SYN-001/run-1/3', checked_at: '2026-11-26T00:01:00Z' }]);
        expect(await store.latestQc(tp)).toEqual({ ...verdict, attempt: 'OS-1/SYN-001/run-1/3', checkedAt: '2026-11-26T00:01:00Z' });
        await store.recordQc({ ...tp, passed: true, reasons: [], findings: [], attempt: 'OS-1/SYN-001/run-1/9', checkedAt: '2026-11-26T01:00:00Z' });
        expect(await rows()).toHaveLength(2);
        expect(await store.latestQc(tp)).toEqual({
          ...tp,
          passed: true,
          reasons: [],
          findings: [],
          attempt: 'OS-1/SYN-001/run-1/9',
          checkedAt: '2026-11-26T01:00:00Z',
        });
        // An override without an attempt is a row of its own.
        await store.recordQc({ ...verdict, passed: true, overriddenBy: 'coordinator-1', overrideReason: 'slices fine', checkedAt: '2026-11-26T02:00:00Z' });
        expect(await rows()).toHaveLength(3);
        expect(await store.latestQc(tp)).toMatchObject({ passed: true, overriddenBy: 'coordinator-1', overrideReason: 'slices fine' });
        expect(await store.latestQc({ ...tp, timepoint: 'mid' })).toBeUndefined();
      });

      it('orders text bytewise (as SQLite does), whatever the server’s collation', async () => {
        const store = await open();
        for (const pseudonym of ['syn-2', 'SYN-10', 'SYN-2', 'SYN_1', 'Syn-3']) {
          await store.upsertPatient({ studyId: 'OS-1', pseudonym, enrolledAt: '2026-01-01T00:00:00.000Z', clinical: {} });
        }
        // By code point: '1' (0x31) < '2', '-' (0x2D) < '_' (0x5F), every upper-case letter before every lower-case one.
        expect((await store.listPatients('OS-1')).map((p) => p.pseudonym)).toEqual(['SYN-10', 'SYN-2', 'SYN_1', 'Syn-3', 'syn-2']);
      });
    });

    describe('patients and clinical values with the time they are known', () => {
      const key = { studyId: 'OS-1', pseudonym: 'SYN-001' };
      it('keeps enrolment values and later ones apart, and names what is wrong in a bad one', async () => {
        const store = await open();
        await store.upsertPatient({ ...key, enrolledAt: '2026-01-01T00:00:00.000Z', clinical: { ageYears: 15, site: 'femur' } });
        await store.recordClinical(key, { variable: 'margin', value: 'R0', timepoint: 'postop', knownAt: '2026-06-01T00:00:00.000Z' });
        expect(await store.getClinical(key)).toEqual([
          { variable: 'ageYears', value: 15, timepoint: null, knownAt: '2026-01-01T00:00:00.000Z' },
          { variable: 'site', value: 'femur', timepoint: null, knownAt: '2026-01-01T00:00:00.000Z' },
          { variable: 'margin', value: 'R0', timepoint: 'postop', knownAt: '2026-06-01T00:00:00.000Z' },
        ]);
        // A repeated enrolment replaces the enrolment values, not the later ones.
        await store.upsertPatient({ ...key, enrolledAt: '2026-01-01T00:00:00.000Z', clinical: { ageYears: 16 } });
        expect(await store.getPatient(key)).toEqual({ ...key, enrolledAt: '2026-01-01T00:00:00.000Z', clinical: { ageYears: 16 } });
        expect((await store.getClinical(key)).map((v) => [v.variable, v.value])).toEqual([
          ['ageYears', 16],
          ['margin', 'R0'],
        ]);
        await expect(store.recordClinical(key, { variable: 'alp', value: Number.NaN, timepoint: 'mid', knownAt: '2026-02-01T00:00:00Z' })).rejects.toThrow(
          "clinical value 'alp': value must be a finite number or a non-empty text, got null",
        );
        await expect(store.recordClinical(key, { variable: 'alp', value: 200, timepoint: 'mid', knownAt: 'yesterday' })).rejects.toThrow(
          'clinical value \'alp\': knownAt must be an ISO 8601 time, got "yesterday"',
        );
        await expect(
          store.recordClinical({ ...key, pseudonym: 'SYN-404' }, { variable: 'alp', value: 200, timepoint: 'mid', knownAt: '2026-02-01T00:00:00Z' }),
        ).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.getPatient({ ...key, pseudonym: 'SYN-404' })).toBeUndefined();
      });
    });

    describe('deltas by parameter hash', () => {
      it('reads one parameter hash, and refuses to mix two when none is named', async () => {
        const store = await open();
        const mid = { studyId: 'OS-1', pseudonym: 'SYN-001', timepoint: 'mid' };
        const row = (relative: number) => ({
          modality: 'T1CE',
          feature: 'f',
          reference: 'baseline' as const,
          referenceTimepoint: 'baseline',
          absolute: 1,
          relative,
        });
        await store.putDeltas(mid, 'hash-b', [row(0.2)]);
        await store.putDeltas(mid, 'hash-a', [row(0.1)]);
        expect(await store.getDeltas(mid, 'hash-a')).toEqual([row(0.1)]);
        expect(await store.getDeltas(mid, 'hash-b')).toEqual([row(0.2)]);
        await expect(store.getDeltas(mid)).rejects.toThrow(/stored under 2 parameter hashes \(hash-a…, hash-b…\); name the parameter hash to read/);
      });
    });

    describe('prediction ledger', () => {
      it('chains each entry to the study’s previous one with SHA-256 over its content', async () => {
        const store = await open();
        const a = await store.appendPrediction(base);
        const b = await store.appendPrediction({ ...base, pseudonym: 'SYN-002', probability: 0.1 + 0.2, featuresSha256: H2 });
        const other = await store.appendPrediction({ ...base, studyId: 'OS-2' });
        expect(a.prevHash).toBe(GENESIS);
        expect(a.entryHash).toBe(expectedHash(GENESIS, { ...base, rescore: false, mode: 'live', attempt: null }));
        expect(b.prevHash).toBe(a.entryHash);
        expect(b.entryHash).toBe(
          expectedHash(a.entryHash, {
            ...base,
            pseudonym: 'SYN-002',
            probability: 0.30000000000000004,
            featuresSha256: H2,
            rescore: false,
            mode: 'live',
            attempt: null,
          }),
        );
        expect(other.prevHash).toBe(GENESIS); // each study has its own chain
        expect(await store.ledgerEntries()).toEqual([a, b, other]);
        expect(await store.verifyLedger()).toEqual({ checked: 3, studies: ['OS-1', 'OS-2'], broken: null, appendOnly: true });
        expect(await store.verifyLedger('OS-2')).toEqual({ checked: 1, studies: ['OS-2'], broken: null, appendOnly: true });
      });

      it('refuses UPDATE and DELETE on the ledger table', async () => {
        const store = await open();
        await store.appendPrediction(base);
        // The other connection sees the entry (a trigger on an UPDATE of no row would have nothing to refuse).
        expect(await backend.sql(store, 'SELECT probability FROM prediction_ledger')).toEqual([{ probability: 0.7 }]);
        await expect(backend.sql(store, 'UPDATE prediction_ledger SET probability = 0.1')).rejects.toThrow(/append-only: an entry is never changed/);
        await expect(backend.sql(store, 'DELETE FROM prediction_ledger')).rejects.toThrow(/append-only: an entry is never deleted/);
        expect(await backend.sql(store, 'SELECT probability FROM prediction_ledger')).toEqual([{ probability: 0.7 }]);
      });

      it('finds the first broken link after a hand edit: a changed entry, or one removed', async () => {
        const build = async () => {
          const store = await open();
          for (let i = 1; i <= 4; i++) await store.appendPrediction({ ...base, pseudonym: `SYN-00${i}`, probability: i / 10 });
          await backend.dropAppendOnly(store);
          return store;
        };
        const edited = await build();
        await backend.sql(edited, 'UPDATE prediction_ledger SET probability = 0.9 WHERE seq = 2');
        const v1 = await edited.verifyLedger('OS-1');
        expect(v1.appendOnly).toBe(false);
        expect(v1.broken).toMatchObject({ seq: 2, studyId: 'OS-1' });
        expect(v1.broken!.reason).toMatch(/^entry 2 \(SYN-002 preop, osteoflow-response@3\) does not match its hash: its content was changed/);

        const removed = await build();
        await backend.sql(removed, 'DELETE FROM prediction_ledger WHERE seq = 2');
        const v2 = await removed.verifyLedger();
        expect(v2.broken).toMatchObject({ seq: 3, studyId: 'OS-1' });
        expect(v2.broken!.reason).toMatch(/the study's entry before it \(1\) hashes to .*an entry between them was removed, inserted or reordered/);
      });

      it('flags re-scores and silent predictions, reads the latest live one per version, and appends a retried attempt once', async () => {
        const store = await open();
        const first = await store.appendPrediction({ ...base, attempt: 'wf/run/7/live' });
        const retried = await store.appendPrediction({ ...base, probability: 0.2, attempt: 'wf/run/7/live' });
        expect(retried).toEqual(first);
        const again = await store.appendPrediction({ ...base, probability: 0.71, predictedAt: '2026-01-02T00:00:00.000Z' });
        expect([first.rescore, again.rescore]).toEqual([false, true]);
        const silent = await store.appendPrediction({ ...base, modelVersion: '4', probability: 0.4, mode: 'silent' });
        expect(silent).toMatchObject({ mode: 'silent', rescore: false });
        const explicit = await store.appendPrediction({ ...base, pseudonym: 'SYN-009', rescore: true, inSample: true });
        expect(explicit).toMatchObject({ rescore: true, inSample: true });
        const unstated = await store.recordPrediction({ ...base, pseudonym: 'SYN-010' });
        expect(unstated).toMatchObject({ featuresSha256: null, inSample: null, rescore: false, mode: 'live' });
        expect(await store.listPredictions({ studyId: 'OS-1', pseudonym: 'SYN-001' })).toEqual([
          {
            studyId: 'OS-1',
            pseudonym: 'SYN-001',
            timepoint: 'preop',
            model: 'osteoflow-response',
            modelVersion: '3',
            probability: 0.71,
            predictedAt: '2026-01-02T00:00:00.000Z',
          },
        ]);
        expect((await store.ledgerEntries({ studyId: 'OS-1' })).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
        expect((await store.ledgerEntries({ studyId: 'OS-1', pseudonym: 'SYN-009' })).map((e) => e.seq)).toEqual([4]);
        expect((await store.verifyLedger()).broken).toBeNull();
      });

      it('refuses an entry without its input hash or in-sample flag, naming the field', async () => {
        const store = await open();
        await expect(store.appendPrediction({ ...base, featuresSha256: 'abc' })).rejects.toThrow(/featuresSha256 must be a SHA-256 in hex, got "abc"/);
        await expect(store.appendPrediction({ ...base, inSample: undefined as unknown as boolean })).rejects.toThrow(/inSample must be true or false/);
        await expect(store.appendPrediction({ ...base, probability: 1.5 })).rejects.toThrow(/probability must be in \[0, 1\], got 1.5/);
        await expect(store.appendPrediction({ ...base, mode: 'shadow' as 'live' })).rejects.toThrow(/mode must be 'live' or 'silent', got "shadow"/);
        expect(await store.ledgerEntries()).toEqual([]);
      });

      it('scores as prospective only predictions made before the pathology, out of sample, with their input recorded', async () => {
        const store = await open();
        const before = '2000-01-01T00:00:00.000Z';
        await store.appendPrediction({ ...base, predictedAt: before, probability: 0.6 });
        await store.appendPrediction({ ...base, predictedAt: '2000-02-01T00:00:00.000Z', probability: 0.65, mode: 'silent' }); // the last before
        await store.appendPrediction({ ...base, pseudonym: 'SYN-002', predictedAt: before, inSample: true }); // trained on
        await store.recordPrediction({ ...base, pseudonym: 'SYN-003', predictedAt: before }); // input unknown
        await store.appendPrediction({ ...base, pseudonym: 'SYN-004', predictedAt: before, probability: 0.2 }); // no pathology yet
        for (const pseudonym of ['SYN-001', 'SYN-002', 'SYN-003']) {
          await store.recordPathology({ studyId: 'OS-1', pseudonym, necrosisPct: 95, huvosGrade: 'III', date: '2026-05-01' });
        }
        await store.appendPrediction({ ...base, predictedAt: '2999-01-01T00:00:00.000Z', probability: 0.99, rescore: true }); // after the truth
        const scored = await store.prospectivePredictions('OS-1');
        expect(scored.map((s) => [s.entry.pseudonym, s.entry.probability, s.necrosisPct])).toEqual([['SYN-001', 0.65, 95]]);
        expect(scored[0].pathologyRecordedAt > scored[0].entry.predictedAt).toBe(true);
      });
    });

    describe('concurrent writers on one store', () => {
      it('replacing one feature set from many calls at once leaves one whole set; appends at once chain', async () => {
        const store = await open();
        const writes = Array.from({ length: 12 }, (_, w) =>
          store.putFeatureSet(set(Object.fromEntries(Array.from({ length: 30 }, (__, f) => [`x_firstorder_F${f}`, w])), { imageHash: `img-${w}` })),
        );
        const appends = Array.from({ length: 12 }, (_, w) => store.appendPrediction({ ...base, pseudonym: `SYN-${100 + w}`, attempt: `w${w % 6}` }));
        await Promise.all([...writes, ...appends]);
        const [read] = await store.getFeatureSets(tp);
        const winner = Number(read.imageHash.slice(4));
        expect(Object.values(read.features)).toEqual(Array.from({ length: 30 }, () => winner)); // one write's values, none mixed
        expect(await store.countFeatureRows(tp)).toBe(30);
        const entries = await store.ledgerEntries();
        expect(entries.map((e) => e.attempt).sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5']); // a repeated attempt appended once
        expect(await store.verifyLedger()).toMatchObject({ checked: 6, broken: null });
      });
    });
  });
}
