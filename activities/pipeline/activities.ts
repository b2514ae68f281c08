// The pipeline activities: thin adapters from the workflows to the study store, QC, the radiomics engine, the results
// store and the model registry. Failures a retry can fix are thrown as ordinary errors; the rest are typed and
// non-retryable (policies in workflows/policies.ts).
import { rmSync } from 'node:fs';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { runQc } from '../../qc/runQc';
import { namedDeltas, featureDeltas, type FeaturesByModality } from '../../radiomics/delta';
import { extractOnWorkers, loadParamsFile, paramsHash, readImage, ENGINE_VERSION, type ExtractionProgress } from '../../radiomics';
import { petVolumetrics } from '../../radiomics/pet';
import { storeScan, type StoreScanOptions } from '../../study/scanStore';
import type { SourcePolicy } from '../../study/sourcePolicy';
import type { DeltaRow, ResultsStore } from '../../store/types';
import {
  contourOf,
  maskScanName,
  type AcquiredScan,
  type MapActivities,
  type Notification,
  type PipelineActivities,
  type TimepointRef,
} from '../../contracts/pipeline';
import type { FeatureSetRef, RegisteredScan } from '../../contracts/timeline';
import type { Volume } from '../../imaging/image';
import { storeMask } from '../../study/contours';
import { PARAMETERS_CHANGED, QC_FAILED } from '../../contracts/errors';
import { requiredScans, seriesSourcesOf } from '../../contracts/study';
import { createMapActivities, seriesQcReader } from './deriveMaps';
import { RegionError, regionRois } from './regions';
import { RetentionError, petRetentionFeatures } from './petRetention';
import { readRasters, withRasters } from './radiographs';
import type { Predictor } from './predict';
import { whileHeartbeating } from '../heartbeat';
import { stageDeidentified, stagingFolder, storeStaged, type AcquisitionDeidentification } from './deidentifyScan';
import { studyFilesOf, stageBlobSource, storeNamesOf, studyParamsFile, type Renamer } from './storedScans';
import type { StudyFiles } from '../../study/storedFiles';

export interface PipelineDeps {
  store: ResultsStore;
  predictor: Predictor;
  /** POSTed a JSON notification when set (e.g. a study coordinators' chat hook). */
  webhookUrl?: string;
  /** Where scans may come from and how large they may be (config's `acquisition`); absent: anywhere. */
  acquisition?: SourcePolicy & { maxFileBytes: number; maxVoxels?: number };
  /**
   * The site's de-identification secret: DICOM files registered by hand are stored de-identified (deidentifyScan.ts).
   * The pipeline worker always sets it; absent (library use and tests of other steps), scans are stored as they come.
   */
  deidentification?: AcquisitionDeidentification;
  /**
   * This host's study folders and the blob store every host shares: files cross activities by content address, never
   * by a path of the host that wrote them. Absent (library use, unit tests): a blob folder beside the study's folder.
   */
  files?: StudyFiles;
}

const key = (ref: TimepointRef) => ({ studyId: ref.protocol.studyId, pseudonym: ref.pseudonym, timepoint: ref.timepoint });

async function featuresOf(store: ResultsStore, ref: TimepointRef, timepoint: string): Promise<FeaturesByModality> {
  const sets = await store.getFeatureSets({ ...key(ref), timepoint }, ref.protocol.features.paramHash);
  return Object.fromEntries(sets.map((s) => [s.modality, s.features]));
}

export function createPipelineActivities(deps: PipelineDeps): PipelineActivities & MapActivities {
  const { store } = deps;
  // Every image QC and extraction read is held to the configured voxel limit (the readers' default without one).
  const read = (file: string) => readImage(file, { maxVoxels: deps.acquisition?.maxVoxels });
  const filesOf = studyFilesOf(deps.files);

  /**
   * A mask, stored with what it was registered as; an RTSTRUCT or SEG is converted on the image it is for. A mask that
   * gives no voxel mask on its image comes back `unusable` (QC reports it) and leaves no row and no file behind.
   */
  async function acquireMask(
    ref: TimepointRef,
    dir: string,
    scan: RegisteredScan,
    from: string,
    images: AcquiredScan[],
    files: StudyFiles,
    copyOptions: StoreScanOptions,
  ): Promise<AcquiredScan> {
    const image = scan.for ? images.find((i) => i.role === 'image' && i.modality === scan.for) : undefined;
    const maskOptions = {
      for: scan.for,
      roi: scan.roi,
      image: image && { modality: image.modality, path: await files.local(ref.protocol, image) },
      maxVoxels: deps.acquisition?.maxVoxels,
    };
    // What is said of the conversion names the file as registered and the image by its name in the store, never a
    // staging copy or this host's folder.
    const names: [string, string][] = image && maskOptions.image ? [[maskOptions.image.path, image.path]] : [];
    let stored: Awaited<ReturnType<typeof storeMask>>;
    if (!deps.deidentification) stored = await storeMask(from, dir, { ...copyOptions, ...maskOptions });
    else {
      // An RTSTRUCT or SEG is de-identified before it is converted: its references then name the de-identified
      // image series' UIDs (one secret for the whole site maps every UID the same way). Messages name the file as
      // registered, never the staging copy.
      const staging = stagingFolder(dir);
      try {
        const staged = await stageDeidentified(from, staging, 'mask', copyOptions, {
          secret: deps.deidentification.secret,
          pseudonym: ref.pseudonym,
          settings: ref.protocol.deidentification,
          progress: (files) => Context.current().heartbeat({ modality: scan.modality, deidentified: files }),
        });
        const { maxFileBytes, onProgress } = copyOptions;
        stored = await storeMask(staged.path, dir, { maxFileBytes, onProgress, ...maskOptions });
        names.push([staged.path, scan.source]);
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    }
    const named = (text: string) => names.reduce((t, [from, to]) => t.split(from).join(to), text);
    if ('unusable' in stored) stored = { ...stored, unusable: named(stored.unusable) };
    const warnings = stored.maskSource?.warnings;
    if (stored.maskSource && warnings) stored = { ...stored, maskSource: { ...stored.maskSource, warnings: warnings.map(named) } } as typeof stored;
    const base = { modality: 'mask', role: 'mask' as const, source: scan.source, ...(scan.for ? { for: scan.for } : {}) };
    if ('unusable' in stored) {
      return { ...base, path: '', sha256: '', unusable: stored.unusable, ...(stored.maskSource ? { maskSource: stored.maskSource } : {}) };
    }
    const published = await files.publish(ref.protocol, stored.path, stored.sha256);
    // The registered RTSTRUCT/SEG's stored copy is kept by content too, under its store-relative name.
    const maskSource =
      stored.maskSource?.file !== undefined && stored.maskSource.fileSha256 !== undefined
        ? { ...stored.maskSource, file: (await files.publish(ref.protocol, stored.maskSource.file, stored.maskSource.fileSha256)).path }
        : stored.maskSource;
    await store.recordScan({
      ...key(ref),
      modality: maskScanName(scan.for),
      role: 'mask',
      sha256: published.sha256,
      path: published.path,
      source: scan.source,
    });
    return { ...base, path: published.path, sha256: published.sha256, maskSource };
  }

  /** A scan copied, de-identified where it is DICOM (in a staging folder, removed whatever happens), and stored. */
  async function acquireDeidentified(
    source: string,
    dir: string,
    baseName: string,
    copyOptions: StoreScanOptions,
    deid: Parameters<typeof stageDeidentified>[4],
  ): Promise<{ path: string; sha256: string }> {
    const staging = stagingFolder(dir);
    try {
      const staged = await stageDeidentified(source, staging, baseName, copyOptions, deid);
      return await storeStaged(staged, dir, baseName, copyOptions);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /**
   * One registered scan read from `from` (its source, or the staged copy of a blob), stored, put into the blob store
   * and recorded. A staged blob was stored by a host of the site: the source policy is for what comes from outside.
   */
  async function acquireOne(
    ref: TimepointRef,
    dir: string,
    scan: RegisteredScan,
    from: string,
    images: AcquiredScan[] | undefined,
    files: StudyFiles,
  ): Promise<AcquiredScan> {
    const trusted = from !== scan.source;
    const context = Context.current();
    // Heartbeats while the copy streams (the SDK throttles them), so a stalled source is noticed, not waited out.
    const copyOptions = {
      policy: trusted ? undefined : deps.acquisition,
      maxFileBytes: deps.acquisition?.maxFileBytes,
      onProgress: (bytes: number) => context.heartbeat({ modality: scan.modality, bytes }),
    };
    if (scan.modality === 'mask' && images !== undefined) return acquireMask(ref, dir, scan, from, images, files, copyOptions);
    const copy = deps.deidentification
      ? await acquireDeidentified(from, dir, scan.modality, copyOptions, {
          secret: deps.deidentification.secret,
          pseudonym: ref.pseudonym,
          settings: ref.protocol.deidentification,
          progress: (files) => context.heartbeat({ modality: scan.modality, deidentified: files }),
        })
      : await storeScan(from, dir, scan.modality, copyOptions);
    const role = scan.modality === 'mask' ? 'mask' : 'image';
    const published = await files.publish(ref.protocol, copy.path, copy.sha256);
    await store.recordScan({ ...key(ref), modality: scan.modality, role, sha256: published.sha256, path: published.path, source: scan.source });
    return { modality: scan.modality, role, path: published.path, sha256: published.sha256, source: scan.source };
  }

  /** Extraction over the timepoint's files laid out on this host; `names` says what it says of them in store names. */
  async function extractLocal(
    input: TimepointRef & { acquired: AcquiredScan[] },
    acquired: AcquiredScan[],
    params: ReturnType<typeof loadParamsFile>,
    hash: string,
    names: Renamer,
  ): Promise<FeatureSetRef> {
    // Each image in its own contour, else in the shared mask (QC checked that every image has a usable one).
    const readAny = withRasters(await readRasters(input.protocol, acquired, deps.acquisition?.maxVoxels), read);
    const masks = new Map<string, Volume>();
    const readMask = (mask: AcquiredScan) => {
      if (!masks.has(mask.path)) masks.set(mask.path, readAny(mask.path));
      return masks.get(mask.path)!;
    };
    // The 4D series maps come from are not images to extract; their maps are.
    const series = new Set<string>(seriesSourcesOf(input.protocol, input.timepoint));
    const images = acquired.filter((a) => a.role === 'image' && a.unusable === undefined && !series.has(a.modality));
    // Regions are made before anything is stored: one that cannot be made leaves no feature set behind.
    let regions: ReturnType<typeof regionRois>;
    let retention: Record<string, number>;
    try {
      regions = regionRois(input.protocol, acquired, images, (file) => readMask({ path: file } as AcquiredScan));
      retention = petRetentionFeatures(acquired, images, (file) => readMask({ path: file } as AcquiredScan));
    } catch (err) {
      if (!(err instanceof RegionError) && !(err instanceof RetentionError)) throw err;
      const message = names.text(err.message);
      throw ApplicationFailure.create({ type: QC_FAILED, nonRetryable: true, message, details: [{ passed: false, reasons: [message] }] });
    }
    const rois = [
      ...images.map((scan) => ({ scan, modality: scan.modality, region: undefined as (typeof regions)[number] | undefined })),
      ...regions.map((region) => ({ scan: region.image, modality: region.modality, region })),
    ];
    const modalities: string[] = [];
    let featureCount = 0;
    for (const [index, { scan, modality, region }] of rois.entries()) {
      // Extraction runs on the pool's worker threads, so this thread stays free to heartbeat its progress: the
      // scan (k of n) and the derived image (k of n) last finished.
      const context = Context.current();
      let progress: ExtractionProgress | undefined;
      const details = () => ({
        modality,
        scan: `${index + 1} of ${rois.length}`,
        ...(progress ? { image: `${progress.image} of ${progress.images}` } : {}),
      });
      const mask = region?.contour ?? contourOf(acquired, scan);
      if (!mask || mask.unusable !== undefined) {
        const reason = `${scan.modality}: no usable mask to extract features in${mask?.unusable ? ` (${mask.unusable})` : ''}`;
        throw ApplicationFailure.create({ type: QC_FAILED, nonRetryable: true, message: reason, details: [{ passed: false, reasons: [reason] }] });
      }
      const maskVolume = region?.mask ?? readMask(mask);
      const image = readAny(scan.path);
      const { features, diagnostics } = await whileHeartbeating(
        (signal) =>
          extractOnWorkers(image, maskVolume, params, {
            signal,
            onProgress: (p) => {
              progress = p;
              context.heartbeat(details());
            },
          }),
        details,
      );
      if (scan.modality === 'PET' && !region) {
        for (const [name, value] of Object.entries(petVolumetrics(image, maskVolume))) features[`derived_pet_${name}`] = value;
        Object.assign(features, retention);
      }
      const { featureCount: n } = await store.putFeatureSet({
        ...key(input),
        modality,
        paramHash: hash,
        engineVersion: ENGINE_VERSION,
        imageHash: String(diagnostics['diagnostics_Image-original_Hash'] ?? scan.sha256),
        maskHash: String(diagnostics['diagnostics_Mask-original_Hash'] ?? mask.sha256),
        extractedAt: new Date().toISOString(),
        features,
      });
      modalities.push(modality);
      featureCount += n;
    }
    return { paramHash: hash, modalities, featureCount };
  }

  return {
    ...createMapActivities({ store, maxVoxels: deps.acquisition?.maxVoxels, filesOf }),

    async recordEnrolment({ studyId, pseudonym, enrolledAt, clinical }) {
      await store.upsertPatient({ studyId, pseudonym, enrolledAt, clinical });
    },

    async acquireScan({ scan, images, ...ref }) {
      const files = filesOf(ref.protocol);
      const dir = files.timepointFolder(ref.protocol, ref.pseudonym, ref.timepoint);
      Context.current().heartbeat({ modality: scan.modality });
      // A `blob:` source (put into the blob store by another host) is laid out here first, then copied in like a path;
      // what is said of it names the source as registered, never the staging copy.
      const staged = await stageBlobSource(files, scan.source, dir);
      try {
        const acquired = await acquireOne(ref, dir, scan, staged?.path ?? scan.source, images, files);
        return staged ? staged.named.value(acquired) : acquired;
      } catch (err) {
        throw staged ? staged.named.error(err) : err;
      } finally {
        staged?.remove();
      }
    },

    async checkQuality(input) {
      // QC reads every file at once (synchronously): a heartbeat before and after bounds how long a lost worker goes unnoticed.
      const context = Context.current();
      context.heartbeat({ step: 'reading' });
      const acquired = await filesOf(input.protocol).localise(input.protocol, input.acquired);
      const names = storeNamesOf(input.acquired, acquired);
      // Derived maps are images once computed; the 4D series they come from are checked on their first frame.
      const images = acquired.filter((a) => a.role === 'image' && a.unusable === undefined);
      const maps = acquired.filter((a) => a.derivedFrom !== undefined);
      const masks = acquired.filter((a) => a.role === 'mask');
      const shared = masks.filter((m) => m.for === undefined).at(-1);
      const required = requiredScans(input.protocol, input.timepoint).filter((m) => m !== 'mask');
      // A map without a contour of its own is checked in its series' contour (the one it is extracted in).
      const mapContours = maps.flatMap((map) => {
        const own = masks.some((m) => m.for === map.modality);
        const source = masks.filter((m) => m.for === map.derivedFrom).at(-1);
        return own || !source ? [] : [{ for: map.modality, path: source.path, unusable: source.unusable }];
      });
      const checked = runQc(
        {
          images,
          mask: shared && { path: shared.path, unusable: shared.unusable },
          contours: [...masks.flatMap((m) => (m.for === undefined ? [] : [{ for: m.for, path: m.path, unusable: m.unusable }])), ...mapContours],
          requiredModalities: required,
          profile: input.protocol.qc,
          segmentation: input.protocol.segmentation.mode,
          ...(maps.length ? { maps: maps.map((m) => ({ modality: m.modality, from: m.derivedFrom!, fit: m.fit, unusable: m.unusable })) } : {}),
        },
        seriesQcReader(
          acquired,
          seriesSourcesOf(input.protocol, input.timepoint),
          withRasters(await readRasters(input.protocol, acquired, deps.acquisition?.maxVoxels), read),
          deps.acquisition?.maxVoxels,
        ),
      );
      const result = names.value(checked);
      context.heartbeat({ step: 'recording' });
      const checkedAt = new Date().toISOString();
      // A retry of this activity execution replaces the row it wrote, rather than adding a second verdict.
      const { workflowExecution, activityId } = context.info;
      const attempt = workflowExecution && `${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}`;
      if (result.passed || input.override) {
        const override = result.passed ? undefined : input.override;
        await store.recordQc({
          ...key(input),
          passed: result.passed,
          reasons: result.reasons,
          findings: result.findings,
          attempt,
          overriddenBy: override?.who,
          overrideReason: override?.reason,
          checkedAt,
        });
        return {
          passed: result.passed,
          reasons: result.reasons,
          ...(result.findings.length ? { findings: result.findings } : {}),
          ...(override ? { override } : {}),
        };
      }
      await store.recordQc({ ...key(input), passed: false, reasons: result.reasons, findings: result.findings, attempt, checkedAt });
      throw ApplicationFailure.create({
        type: QC_FAILED,
        nonRetryable: true,
        message: result.reasons.join('; '),
        details: [{ passed: false, reasons: result.reasons, findings: result.findings }],
      });
    },

    async extractFeatures(input) {
      const params = loadParamsFile(await studyParamsFile(input.protocol, filesOf(input.protocol)));
      const hash = paramsHash(params);
      if (hash !== input.protocol.features.paramHash) {
        // Its own type, so that the timeline can say what to do: restore the file, then retry the timepoint.
        throw ApplicationFailure.create({
          type: PARAMETERS_CHANGED,
          nonRetryable: true,
          message: `the parameter file ${input.protocol.features.paramsFile} changed since the study was enrolled (parameter hash ${input.protocol.features.paramHash.slice(0, 12)}…, now ${hash.slice(0, 12)}…); features would not be comparable across timepoints`,
          details: [{ file: input.protocol.features.paramsFile, expected: input.protocol.features.paramHash, actual: hash }],
        });
      }
      const acquired = await filesOf(input.protocol).localise(input.protocol, input.acquired);
      const names = storeNamesOf(input.acquired, acquired);
      try {
        return await extractLocal(input, acquired, params, hash, names);
      } catch (err) {
        throw names.error(err);
      }
    },

    async computeDeltas(input) {
      const current = await featuresOf(store, input, input.timepoint);
      const baseline = await featuresOf(store, input, input.baseline);
      const rows: DeltaRow[] = [];
      const references: Array<[DeltaRow['reference'], string | undefined]> = [
        ['baseline', input.baseline],
        ['previous', input.previous],
      ];
      for (const [reference, timepoint] of references) {
        if (!timepoint) continue;
        const against = reference === 'baseline' ? baseline : await featuresOf(store, input, timepoint);
        for (const [modality, features] of Object.entries(current)) {
          if (!against[modality]) continue;
          for (const d of featureDeltas(features, against[modality])) rows.push({ modality, reference, referenceTimepoint: timepoint, ...d });
        }
      }
      const named = namedDeltas(current, baseline);
      for (const [feature, value] of Object.entries(named)) {
        if (value !== null)
          rows.push({ modality: 'named', feature, reference: 'baseline', referenceTimepoint: input.baseline, absolute: value, relative: null });
      }
      await store.putDeltas(key(input), input.protocol.features.paramHash, rows);
      return { rows: rows.length, named };
    },

    async predictResponse(input) {
      return deps.predictor.predict(input);
    },

    async recordPathology({ studyId, pseudonym, necrosisPct, huvosGrade, date }) {
      await store.recordPathology({ studyId, pseudonym, necrosisPct, huvosGrade, date });
    },

    async notify(notification: Notification) {
      Context.current().log.info(`notification: ${notification.kind}`, { ...notification });
      if (!deps.webhookUrl) return;
      const response = await fetch(deps.webhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(notification),
        signal: AbortSignal.timeout(10000),
      });
      if (!response.ok) throw new Error(`webhook ${deps.webhookUrl} answered HTTP ${response.status}`);
    },
  };
}
