// A long extraction on a large volume does not starve the worker's heartbeats: extractFeatures runs on the extraction
// pool's threads while the activity reports its progress (scan k of n, derived image k of n), so a 512×512×200 image
// with a large tumour and filters is extracted in one attempt, its heartbeats never further apart than the 20 s
// heartbeat timeout.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { temporal } from '@temporalio/proto';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import { writeNifti } from '../../imaging/io';
import type { Geometry } from '../../imaging/image';
import { loadStudyFile } from '../../study/protocol';
import { connectHarness, eventually, type Harness } from './support/pipeline';
import type { PipelineWorker } from '../../workers/pipeline/worker';

jest.setTimeout(600000);

let harness: Harness;
let pipeline: PipelineWorker;
let running: Promise<void>;

beforeAll(async () => {
  harness = await connectHarness();
  pipeline = await harness.startWorker();
  running = pipeline.worker.run();
});

afterAll(async () => {
  pipeline?.worker.shutdown();
  await running?.catch(() => undefined);
  await pipeline?.close();
  await harness?.close();
});

const SIZE: [number, number, number] = [512, 512, 200];
const geometry: Geometry = { size: SIZE, spacing: [0.8, 0.8, 1.5], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const CENTRE = [256, 256, 100];
/** A 45 mm-radius tumour (about 380,000 voxels): large enough that its filtered images take a while. */
const inTumour = (x: number, y: number, z: number) => ((x - CENTRE[0]) * 0.8) ** 2 + ((y - CENTRE[1]) * 0.8) ** 2 + ((z - CENTRE[2]) * 1.5) ** 2 <= 45 ** 2;

function writeCase(dir: string): { image: string; mask: string } {
  const n = SIZE[0] * SIZE[1] * SIZE[2];
  const image = new Int16Array(n);
  const mask = new Uint8Array(n);
  let i = 0;
  for (let z = 0; z < SIZE[2]; z++)
    for (let y = 0; y < SIZE[1]; y++)
      for (let x = 0; x < SIZE[0]; x++, i++) {
        const tumour = inTumour(x, y, z);
        // A textured tumour in smooth tissue: deterministic, never constant, no blank slice.
        image[i] = 200 + ((x * 7 + y * 13 + z * 31) % 41) + (tumour ? 400 + ((x * y + z * 17) % 97) : Math.round(60 * Math.sin(x / 40) * Math.cos(y / 50)));
        mask[i] = tumour ? 1 : 0;
      }
  const files = { image: path.join(dir, 'T1CE.nii.gz'), mask: path.join(dir, 'mask.nii.gz') };
  writeNifti(files.image, { geometry, data: image });
  writeNifti(files.mask, { geometry, data: mask });
  return files;
}

function writeStudyFile(dir: string): string {
  const params = path.join(dir, 'filters.yaml');
  writeFileSync(
    params,
    stringify({
      imageType: { Original: {}, LoG: { sigma: [1.0, 3.0] }, Wavelet: {} },
      featureClass: { shape: null, firstorder: null, glcm: null, glrlm: null, glszm: null, gldm: null, ngtdm: null },
      setting: { binCount: 32, label: 1, padDistance: 5 },
    }),
  );
  const file = path.join(dir, 'study.yaml');
  writeFileSync(
    file,
    stringify({
      studyId: `IT-HB-${Date.now().toString(36)}`,
      timepoints: [{ name: 'baseline', dueAfter: '0s', window: '1h', modalities: ['T1CE'] }],
      qc: { minSlices: 16, maxSpacingMm: 6, tumourVolumeMl: [1, 1000] },
      segmentation: 'manual-required',
      features: { params },
      model: { name: 'it-heartbeat' },
    }),
  );
  return file;
}

interface Beat {
  at: number;
  details: { modality: string; scan: string; image?: string };
}

it('keeps heartbeating, each beat further along, through a 512×512×200 extraction with filters', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-heartbeat-'));
  const files = writeCase(dir);
  const protocol = loadStudyFile(writeStudyFile(dir), { storeRoot: path.join(dir, 'store') });
  const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, 'SYN-HB-1');
  await registerScan(handle, { timepoint: 'baseline', modality: 'T1CE', source: files.image });
  await registerScan(handle, { timepoint: 'baseline', modality: 'mask', source: files.mask });

  const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
  const timepoint = harness.client.workflow.getHandle(`${handle.workflowId}/baseline/run-1`);
  const beats = new Map<number, Beat>();
  let extractionSeen = false;
  const done = await eventually(
    async () => {
      const pending = await timepoint.describe().then(
        (d) => d.raw.pendingActivities ?? [],
        () => [],
      );
      for (const a of pending) {
        if (a.activityType?.name !== 'extractFeatures' || a.state !== STARTED) continue;
        extractionSeen = true;
        const time = a.lastHeartbeatTime;
        const payload = a.heartbeatDetails?.payloads?.[0]?.data;
        if (!time || !payload) continue;
        const at = Number(time.seconds) * 1000 + Math.round((time.nanos ?? 0) / 1e6);
        beats.set(at, { at, details: JSON.parse(Buffer.from(payload).toString('utf8')) as Beat['details'] });
      }
      return readTimeline(handle);
    },
    (v) => ['done', 'needs-attention', 'qc-failed/awaiting-rescan'].includes(v.timepoints[0].status),
    540000,
    'baseline extracted',
    500,
  );
  expect(done.timepoints[0].status).toBe('done');
  expect(extractionSeen).toBe(true);

  // One attempt: no heartbeat timed out.
  const events = (await timepoint.fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'extractFeatures')!;
  const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled.eventId))!;
  expect(started.activityTaskStartedEventAttributes!.attempt).toBe(1);
  const completed = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(scheduled.eventId))!;
  const startedAt = Number(started.eventTime!.seconds) * 1000;
  const completedAt = Number(completed.eventTime!.seconds) * 1000;

  // Beats the server saw while it ran, in time order: never further apart than the 20 s heartbeat timeout. (The SDK
  // sends at most one every 16 s, 80 % of the timeout, so how many arrive depends on how long the machine takes; the
  // progress in each beat is checked beat by beat in tests/unit/activities/extractionProgress.test.ts.)
  const seen = [...beats.values()].sort((a, b) => a.at - b.at);
  const span = [startedAt, ...seen.map((b) => b.at), completedAt];
  const gaps = span.slice(1).map((t, i) => t - span[i]);
  expect(Math.max(...gaps)).toBeLessThan(20000);
  expect(seen[0].details).toMatchObject({ modality: 'T1CE', scan: '1 of 1' });
  const images = seen.filter((b) => b.details.image).map((b) => Number(b.details.image!.split(' of ')[0]));
  expect(images).toEqual([...images].sort((a, b) => a - b));
  console.log(
    `extraction of a ${SIZE.join('×')} image: ${((completedAt - startedAt) / 1000).toFixed(0)} s, ${seen.length} heartbeats seen, longest gap ${(Math.max(...gaps) / 1000).toFixed(1)} s`,
  );
});
