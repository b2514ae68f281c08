// Training on a worker thread gives exactly the candidate trained on the calling thread, raises the same kind of
// error, stops when aborted — and, run by an activity, lets the activity heartbeat while the thread computes.
import { MockActivityEnvironment } from '@temporalio/testing';
import { seededRandom } from '../../../../models/stats/random';
import { ModelInputError } from '../../../../models/stats/errors';
import { trainCandidate } from '../../../../models/training/candidate';
import { trainCandidateOffThread } from '../../../../models/training/candidateThread';
import type { TrainingDataset } from '../../../../models/dataset';
import type { Candidate } from '../../../../contracts/models';
import { whileHeartbeating } from '../../../../activities/heartbeat';

const random = seededRandom(11);
const labels = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 1 : 0));
const features = ['baseline:T1CE:noise', 'clinical:ageYears', 'delta:preop:T1CE:signal'];
const rows = labels.map((y) => [random.next(), 10 + 5 * random.next(), 1.5 * y + random.next()]);
const dataset: TrainingDataset = {
  studyId: 'S',
  paramHash: 'h',
  timepoints: ['baseline', 'preop'],
  predictAt: 'preop',
  patients: labels.map((_, i) => `P${i}`),
  labels,
  features,
  rows,
  excluded: [],
  incompleteFeatures: [],
  fingerprint: 'a'.repeat(64),
};
const options = { outerFolds: 3, innerFolds: 3, repeats: 1, bootstrapReplicates: 200, seed: 2 };

describe('trainCandidateOffThread', () => {
  it('returns the candidate trainCandidate returns on the calling thread', async () => {
    const here = trainCandidate(dataset, 'delta', undefined, options);
    const there = await trainCandidateOffThread({ dataset, kind: 'delta', allowed: undefined, options });
    // Everything but the time of training.
    expect({ ...there, artifact: { ...there.artifact, trainedAt: 'when' } }).toEqual({ ...here, artifact: { ...here.artifact, trainedAt: 'when' } });
    expect(there.outOfFold).toHaveLength(30);
  }, 60_000);

  it('raises a ModelInputError as one, with its field and message unchanged', async () => {
    const here = (() => {
      try {
        trainCandidate(dataset, 'delta', undefined, { ...options, bootstrapReplicates: 10 });
      } catch (err) {
        return err as ModelInputError;
      }
      throw new Error('expected trainCandidate to refuse 10 bootstrap replicates');
    })();
    const there = await trainCandidateOffThread({ dataset, kind: 'delta', allowed: undefined, options: { ...options, bootstrapReplicates: 10 } }).catch(
      (err: unknown) => err,
    );
    expect(there).toBeInstanceOf(ModelInputError);
    expect(there).toMatchObject({ name: 'ModelInputError', message: here.message, field: here.field });
  }, 60_000);

  it('stops the thread and rejects when aborted', async () => {
    const controller = new AbortController();
    const training = trainCandidateOffThread(
      { dataset, kind: 'delta', allowed: undefined, options: { ...options, bootstrapReplicates: 5000 } },
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error('cancelled by the test')), 200);
    await expect(training).rejects.toThrow('cancelled by the test');
  }, 60_000);

  it('leaves the activity free to heartbeat while the thread trains', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const started = Date.now();
    const candidate: Candidate = await env.run(() =>
      whileHeartbeating(
        (signal) => trainCandidateOffThread({ dataset, kind: 'combined', allowed: undefined, options: { ...options, bootstrapReplicates: 2000 } }, signal),
        () => ({ kind: 'combined' }),
        50,
      ),
    );
    const elapsed = Date.now() - started;
    expect(candidate.kind).toBe('combined');
    // One beat at the start, then one per 50 ms the thread ran: a blocked event loop would give only the first.
    expect(elapsed).toBeGreaterThan(200);
    expect(beats.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 50 / 2));
    expect(beats[0]).toEqual({ kind: 'combined' });
  }, 120_000);
});
