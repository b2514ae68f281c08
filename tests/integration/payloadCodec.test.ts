// With a codec key file configured, the Temporal server holds ciphertext only: every payload of a timeline's history
// and of its Timepoint child's (inputs, results, memo, update arguments) is AES-256-GCM encrypted, so the scan paths
// and clinical values a workflow carries never reach the server in clear — while clients and workers holding the key
// read and run the timeline as usual, and a client with the wrong key gets a clear error, not garbage.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { connectClient } from '../../config/temporal';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, newCodecKey } from '../../config/payloadCodec';
import { enrolPatient, readTimeline, registerScan, type TimelineHandle } from '../../clients/coordinator';
import { TIMELINE_VIEW_MEMO, type TimelineView } from '../../contracts/timeline';
import { connectHarness, eventually, makeStudy, type Harness } from './support/pipeline';
import type { PipelineWorker } from '../../workers/pipeline/worker';

jest.setTimeout(300000);

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-codec-it-'));
const keysFile = path.join(dir, 'codec-keys.json');
writeFileSync(keysFile, JSON.stringify({ encryptWith: 'k-it', keys: { 'k-it': newCodecKey() } }), { mode: 0o600 });
const wrongKeysFile = path.join(dir, 'wrong-keys.json');
writeFileSync(wrongKeysFile, JSON.stringify({ encryptWith: 'k-it', keys: { 'k-it': newCodecKey() } }), { mode: 0o600 });

let harness: Harness;
let pipeline: PipelineWorker;
let running: Promise<void>;
let client: Client;

beforeAll(async () => {
  harness = await connectHarness();
  const temporal = { ...harness.cfg.temporal, codecKeysFile: keysFile };
  pipeline = await harness.startWorker({ temporal });
  running = pipeline.worker.run();
  client = await connectClient(harness.endpoints.temporal.address, temporal);
});

afterAll(async () => {
  pipeline?.worker.shutdown();
  await running?.catch(() => undefined);
  await pipeline?.close();
  await client?.connection.close();
  await harness?.close();
});

interface RawPayload {
  metadata?: Record<string, Uint8Array>;
  data?: Uint8Array;
}

/**
 * Every payload anywhere in a history, as the server stores it, but two kinds that stay in clear by design: search
 * attributes (the server indexes them; they carry the study id, the pseudonym, stage and statuses, never identity) and
 * the SDK's patch markers (a patch's name, written by the SDK's core beneath the codec).
 */
function payloadsIn(value: unknown, out: (RawPayload & { at: string })[] = [], at = ''): (RawPayload & { at: string })[] {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return out;
  const obj = value as Record<string, unknown>;
  if (obj.metadata && typeof obj.metadata === 'object' && 'data' in obj && ArrayBuffer.isView(obj.data)) {
    out.push({ ...(obj as RawPayload), at });
    return out;
  }
  for (const [key, child] of Object.entries(obj)) if (key !== 'searchAttributes' && key !== 'patch-data') payloadsIn(child, out, `${at}.${key}`);
  return out;
}

it('stores only ciphertext on the server while workers and clients with the key run and read the timeline', async () => {
  const study = makeStudy({ patients: 1, seed: 41 });
  const patient = study.manifest.patients[0];
  const handle: TimelineHandle = await enrolPatient(client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym, { ageYears: 13 });
  const baseline = patient.timepoints[0];
  for (const [modality, file] of Object.entries(baseline.files)) await registerScan(handle, { timepoint: baseline.name, modality, source: study.file(file) });
  const done = await eventually(
    () => readTimeline(handle),
    (v) => v.timepoints[0].status === 'done',
    180000,
    'baseline done with the codec on',
  );
  expect(done.timepoints[0].featureSet!.featureCount).toBeGreaterThan(100);
  // The memo (read without a worker) decodes through the same codec.
  const memoOf = async (c: Client) => (await c.workflow.getHandle(handle.workflowId).describe()).memo?.[TIMELINE_VIEW_MEMO] as TimelineView;
  expect((await memoOf(client)).timepoints[0].status).toBe('done');

  // The server's copy, read by a client without the codec: encrypted payloads only, no clear text of what they carry.
  const raw = new Client({ connection: client.connection, namespace: harness.cfg.temporal.namespace });
  for (const id of [handle.workflowId, `${handle.workflowId}/baseline/run-1`]) {
    const history = await raw.workflow.getHandle(id).fetchHistory();
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(5);
    const clear = payloads.filter((p) => Buffer.from(p.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING).map((p) => p.at);
    expect([id, clear]).toEqual([id, []]);
    expect(new Set(payloads.map((p) => Buffer.from(p.metadata?.[KEY_ID_METADATA] ?? []).toString()))).toEqual(new Set(['k-it']));
    const bytes = Buffer.concat(payloads.map((p) => Buffer.from(p.data ?? []))).toString('latin1');
    for (const clear of [study.dir, 'T1CE.nii', 'ageYears', 'json/plain', study.protocol.features.paramsFile])
      expect([id, clear, bytes.includes(clear)]).toEqual([id, clear, false]);
  }

  // A client with the wrong key material: a clear error naming the key, not garbage.
  const wrong = await connectClient(harness.endpoints.temporal.address, { ...harness.cfg.temporal, codecKeysFile: wrongKeysFile });
  try {
    await expect(memoOf(wrong)).rejects.toThrow(
      /encrypted with key 'k-it' does not decrypt with the key of that id in .*wrong-keys\.json \(authentication failed\)/,
    );
  } finally {
    await wrong.connection.close();
  }
});
