// Settings of a GPU (segmentation) worker, from the environment: which model packages, which execution providers in
// order of preference, how many activities at once. Each bad value fails at start with the variable's name.
import path from 'node:path';
import { DEFAULT_MODEL_DIR } from '../../models/segmentation';
import { parseProviders, type ExecutionProvider } from '../../models/segmentation/inference/onnxSession';

export interface GpuWorkerSettings {
  /** Model package folders; the first is the default model. */
  models: string[];
  /** Execution providers in order of preference; the CPU is always the last resort. */
  providers: ExecutionProvider[];
  /** Concurrent segmentations on this host (they share one session per model). */
  concurrency: number;
  /** Threads of the CPU provider (unset: one per core). */
  cpuThreads?: number;
  deviceId: number;
  tta: boolean;
}

type Env = Record<string, string | undefined>;

export const SETTING_VARIABLES = {
  models: 'OSTEOFLOW_SEGMENTATION_MODELS',
  providers: 'OSTEOFLOW_SEGMENTATION_PROVIDERS',
  concurrency: 'OSTEOFLOW_SEGMENTATION_CONCURRENCY',
  cpuThreads: 'OSTEOFLOW_SEGMENTATION_CPU_THREADS',
  deviceId: 'OSTEOFLOW_SEGMENTATION_DEVICE',
  tta: 'OSTEOFLOW_SEGMENTATION_TTA',
} as const;

function positiveInteger(env: Env, name: string, fallback: number | undefined, min = 1): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
  return value;
}

export function loadGpuWorkerSettings(env: Env = process.env): GpuWorkerSettings {
  const v = SETTING_VARIABLES;
  const models = (env[v.models] || DEFAULT_MODEL_DIR)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((p) => path.resolve(p));
  let providers: ExecutionProvider[];
  try {
    providers = parseProviders(env[v.providers] || 'cuda,webgpu,cpu');
  } catch (err) {
    throw new Error(`${v.providers}: ${(err as Error).message}`, { cause: err });
  }
  const tta = env[v.tta];
  if (tta !== undefined && tta !== '' && !['0', '1', 'true', 'false'].includes(tta))
    throw new Error(`${v.tta} must be 1/true or 0/false, got ${JSON.stringify(tta)}`);
  const cpuThreads = positiveInteger(env, v.cpuThreads, undefined);
  return {
    models,
    providers,
    concurrency: positiveInteger(env, v.concurrency, 1) as number,
    ...(cpuThreads ? { cpuThreads } : {}),
    deviceId: positiveInteger(env, v.deviceId, 0, 0) as number,
    tta: tta === '1' || tta === 'true',
  };
}
