// Training activities: thin adapters from the Training workflow to the dataset assembly, the robustness screen, the
// learning library and the registry. The assembled dataset stays out of workflow history: it is cached on disk by its
// fingerprint and re-assembled from the store (and checked against the fingerprint) where the cache is missing.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { extractOnWorkers, loadParamsFile, readImage } from '../../radiomics';
import type { Volume } from '../../imaging/image';
import type { StudyFiles } from '../../study/storedFiles';
import { studyFilesOf, studyParamsFile } from '../pipeline/storedScans';
import { assembleDataset, assertTrainable, foldsFor, timepointsUpTo, type DatasetScope, type TrainingDataset } from '../../models/dataset';
import { compareScores, isRadiomicsKind } from '../../models/training/candidate';
import { trainCandidateOffThread } from '../../models/training/candidateThread';
import { isRobust, perturbedFeatures, screenRobustness, type Extractor, type RobustnessTimepoint } from '../../models/training/robustness';
import { delongTest } from '../../models/stats/delong';
import { ModelInputError } from '../../models/stats/errors';
import { seededRandom, shuffleInPlace } from '../../models/stats/random';
import type { MlflowClient } from '../../registry/mlflowClient';
import { holdoutTag, registerCandidate } from '../../registry/modelPackage';
import { drawHoldout } from '../../registry/promotionPolicy';
import type { ResultsStore } from '../../store/types';
import type { StudyProtocol } from '../../contracts/study';
import { maskScanName } from '../../contracts/pipeline';
import type { DatasetRef, ModelActivities, TrainedCandidates } from '../../contracts/models';
import { whileHeartbeating } from '../heartbeat';

export interface ModelDeps {
  store: ResultsStore;
  mlflow: () => MlflowClient;
  /** Folder for assembled datasets, by fingerprint. */
  cacheDir: string;
  /** This host's study folders and the shared blob store (the robustness screen reads stored scans by address). */
  files?: StudyFiles;
}

export function scopeOf(protocol: StudyProtocol, predictAt: string): DatasetScope {
  return { studyId: protocol.studyId, paramHash: protocol.features.paramHash, timepoints: protocol.timepoints.map((t) => t.name), predictAt };
}

/** The study's locked hold-out, or undefined when none is locked yet. */
export async function lockedHoldout(mlflow: MlflowClient, modelName: string, studyId: string): Promise<string[] | undefined> {
  const model = await mlflow.findRegisteredModel(modelName);
  const tag = model?.tags?.find((t) => t.key === holdoutTag(studyId));
  return tag ? (JSON.parse(tag.value) as string[]) : undefined;
}

export function createTrainingActivities(
  deps: ModelDeps,
): Pick<ModelActivities, 'prepareTrainingSet' | 'screenRobustness' | 'trainCandidates' | 'registerCandidate' | 'setAlias'> {
  const { store } = deps;
  const filesOf = studyFilesOf(deps.files);
  const cacheFile = (fingerprint: string) => path.join(deps.cacheDir, `${fingerprint}.json`);

  async function loadDataset(ref: DatasetRef): Promise<TrainingDataset> {
    const file = cacheFile(ref.fingerprint);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as TrainingDataset;
    const dataset = await assembleDataset(store, scopeOf(ref.protocol, ref.predictAt), { exclude: ref.holdout });
    if (dataset.fingerprint !== ref.fingerprint) {
      throw new ModelInputError(
        `the study's data changed since the training set was assembled (fingerprint ${dataset.fingerprint.slice(0, 12)}…, expected ${ref.fingerprint.slice(0, 12)}…); start the training again`,
        'dataset',
      );
    }
    return dataset;
  }

  return {
    async prepareTrainingSet({ protocol, predictAt, holdoutFraction, seed }) {
      const scope = scopeOf(protocol, predictAt);
      timepointsUpTo(scope);
      const mlflow = deps.mlflow();
      const modelName = protocol.model.name;
      let holdout = await lockedHoldout(mlflow, modelName, protocol.studyId);
      if (!holdout) {
        // Locked once per study, from every labelled patient with complete data, before anything is trained.
        const everyone = await assembleDataset(store, scope);
        assertTrainable(everyone);
        holdout = drawHoldout(everyone.patients, everyone.labels, { fraction: holdoutFraction, seed });
        await mlflow.ensureRegisteredModel(modelName, 'Response to neoadjuvant chemotherapy (good = necrosis ≥ 90 %), osteoflow');
        const again = await lockedHoldout(mlflow, modelName, protocol.studyId);
        if (again)
          holdout = again; // another training locked it first
        else await mlflow.setRegisteredModelTag(modelName, holdoutTag(protocol.studyId), JSON.stringify(holdout));
      }
      const dataset = await assembleDataset(store, scope, { exclude: holdout });
      const events = assertTrainable(dataset).good;
      mkdirSync(deps.cacheDir, { recursive: true });
      const file = cacheFile(dataset.fingerprint);
      writeFileSync(`${file}.partial`, JSON.stringify(dataset));
      renameSync(`${file}.partial`, file);
      return {
        fingerprint: dataset.fingerprint,
        predictAt,
        patients: dataset.patients.length,
        events,
        features: dataset.features.length,
        excluded: dataset.excluded,
        holdout,
        incompleteFeatures: dataset.incompleteFeatures.length,
      };
    },

    async screenRobustness(input) {
      const dataset = await loadDataset(input);
      const params = loadParamsFile(await studyParamsFile(input.protocol, filesOf(input.protocol)));
      const [baseline, ...later] = timepointsUpTo(scopeOf(input.protocol, input.predictAt));
      const chosen = [...dataset.patients];
      shuffleInPlace(chosen, seededRandom(input.seed ?? 1));
      const wanted = Math.min(chosen.length, input.patients ?? 12);
      const perPatient: { pseudonym: string; features: Record<string, [number, number, number]> }[] = [];
      const skipped: { pseudonym: string; reason: string }[] = [];
      // A timepoint's images, their contours (each image's own, else the shared mask) and the stored features as drawn;
      // a reason when an image has no contour.
      const timepointOf = async (pseudonym: string, timepoint: string): Promise<RobustnessTimepoint | string> => {
        const key = { studyId: input.protocol.studyId, pseudonym, timepoint };
        const scans = await store.listScans(key);
        const latest = new Map(scans.map((s) => [s.modality, s])); // listed oldest first: a re-scan wins
        const sets = await store.getFeatureSets(key, input.protocol.features.paramHash);
        const measured = sets.filter((s) => latest.has(s.modality)).map((s) => s.modality);
        const shared = latest.get(maskScanName(undefined));
        const own = Object.fromEntries(measured.flatMap((m) => (latest.has(maskScanName(m)) ? [[m, latest.get(maskScanName(m))!]] : [])));
        const bare = measured.find((m) => !own[m] && !shared);
        if (bare !== undefined || measured.length === 0) return `no stored mask${bare ? ` for ${bare}` : ''} at '${timepoint}'`;
        const files = filesOf(input.protocol);
        const read = async (scan: { path: string; sha256: string }) => readImage(await files.local(input.protocol, scan));
        const images: Record<string, Volume> = {};
        for (const m of measured) images[m] = await read(latest.get(m)!);
        const masks: Record<string, Volume> = {};
        for (const [m, scan] of Object.entries(own)) masks[m] = await read(scan);
        return {
          images,
          ...(shared ? { mask: await read(shared) } : {}),
          masks,
          asDrawn: Object.fromEntries(sets.map((s) => [s.modality, s.features])),
        };
      };
      // Extraction runs on worker threads (extractOnWorkers), so the heartbeat timer keeps going through each patient.
      let current = '';
      await whileHeartbeating(
        async (signal) => {
          for (const pseudonym of chosen) {
            if (perPatient.length >= wanted) break;
            current = pseudonym;
            signal.throwIfAborted();
            try {
              const first = await timepointOf(pseudonym, baseline);
              if (typeof first === 'string') {
                skipped.push({ pseudonym, reason: first });
                continue;
              }
              const rest: (RobustnessTimepoint & { timepoint: string })[] = [];
              for (const timepoint of later) {
                const tp = await timepointOf(pseudonym, timepoint);
                if (typeof tp === 'string') throw new ModelInputError(tp, `patient ${pseudonym}`);
                rest.push({ ...tp, timepoint });
              }
              const extractor: Extractor = (image, mask, p) => extractOnWorkers(image, mask, p, { signal });
              perPatient.push({ pseudonym, features: await perturbedFeatures({ pseudonym, ...first, later: rest }, params, extractor) });
            } catch (err) {
              if (signal.aborted) throw err;
              // An eroded mask can fall below the ROI minimum: that patient cannot be rated; the others can.
              skipped.push({ pseudonym, reason: err instanceof Error ? err.message : String(err) });
            }
          }
        },
        () => ({ pseudonym: current, rated: perPatient.length }),
      );
      const screen = screenRobustness(perPatient, input.threshold ?? 0.75);
      return { patients: screen.patients, threshold: screen.threshold, robust: screen.kept, dropped: screen.dropped.length, skipped };
    },

    async trainCandidates(input) {
      const dataset = await loadDataset(input);
      const robust = new Set(input.robust);
      const allowed = new Set(dataset.features.filter((f) => isRobust(f, robust)));
      const { options } = input;
      const { good, poor } = assertTrainable(dataset);
      const folds = foldsFor(Math.min(good, poor), options.outerFolds, options.innerFolds);
      const candidates = [];
      for (const kind of input.kinds) {
        const started = Date.now();
        const job = {
          dataset,
          kind,
          allowed,
          options: { ...folds, repeats: options.cvRepeats, seed: options.seed, bootstrapReplicates: options.bootstrapReplicates },
        };
        // On a worker thread: nested CV of a large study is minutes of CPU, and the heartbeats must go on meanwhile.
        candidates.push(
          await whileHeartbeating(
            (signal) => trainCandidateOffThread(job, signal),
            () => ({ kind, seconds: Math.round((Date.now() - started) / 1000) }),
          ),
        );
      }
      const baseline = candidates.find((c) => c.kind === 'baseline');
      const clinical = candidates.find((c) => c.kind === 'clinical');
      const versusBaseline: Record<string, { difference: number; p: number }> = {};
      const comparisons: TrainedCandidates['comparisons'] = {};
      for (const c of candidates) {
        if (baseline && c !== baseline) {
          try {
            const test = delongTest(c.outOfFold, baseline.outOfFold, dataset.labels);
            versusBaseline[c.kind] = { difference: test.difference, p: test.p };
          } catch (err) {
            if (!(err instanceof ModelInputError)) throw err; // identical rankings: no test
          }
        }
        // Every radiomics model against the clinical model, beside the simple criteria trainCandidate compared it with.
        if (isRadiomicsKind(c.kind)) {
          const list = (c.metrics.comparisons ??= []);
          if (clinical) list.unshift(compareScores('clinical', c.outOfFold, clinical.outOfFold, dataset.labels));
          else c.metrics.notes.clinical = 'no clinical model trained alongside: not compared';
          comparisons[c.kind] = list;
        }
      }
      return { candidates, versusBaseline, comparisons };
    },

    async registerCandidate({ modelName, candidate, experimentName, params, metrics, trainedBy }) {
      const registered = await registerCandidate(deps.mlflow(), modelName, candidate, { experimentName, params, metrics, trainedBy });
      return candidate.metrics.comparisons ? { ...registered, comparisons: candidate.metrics.comparisons } : registered;
    },

    async setAlias({ modelName, alias, version }) {
      await deps.mlflow().setAlias(modelName, alias, version);
    },
  };
}
