// The GPU worker's settings from the environment: defaults, and a clear error naming the variable for a bad value.
import path from 'node:path';
import { DEFAULT_MODEL_DIR } from '../../../models/segmentation';
import { loadGpuWorkerSettings } from '../../../workers/gpu/settings';

describe('loadGpuWorkerSettings', () => {
  it('defaults to the shipped model, CUDA then WebGPU then CPU, one at a time, no mirroring', () => {
    expect(loadGpuWorkerSettings({})).toEqual({ models: [DEFAULT_MODEL_DIR], providers: ['cuda', 'webgpu', 'cpu'], concurrency: 1, deviceId: 0, tta: false });
  });

  it('reads every variable', () => {
    const settings = loadGpuWorkerSettings({
      OSTEOFLOW_SEGMENTATION_MODELS: 'a/model-1, /b/model-2',
      OSTEOFLOW_SEGMENTATION_PROVIDERS: 'webgpu,cpu',
      OSTEOFLOW_SEGMENTATION_CONCURRENCY: '3',
      OSTEOFLOW_SEGMENTATION_CPU_THREADS: '8',
      OSTEOFLOW_SEGMENTATION_DEVICE: '1',
      OSTEOFLOW_SEGMENTATION_TTA: 'true',
    });
    expect(settings).toEqual({
      models: [path.resolve('a/model-1'), '/b/model-2'],
      providers: ['webgpu', 'cpu'],
      concurrency: 3,
      cpuThreads: 8,
      deviceId: 1,
      tta: true,
    });
  });

  it.each([
    [{ OSTEOFLOW_SEGMENTATION_PROVIDERS: 'cpu,tpu' }, "OSTEOFLOW_SEGMENTATION_PROVIDERS: execution provider 'tpu' is not one of cuda, webgpu, cpu"],
    [{ OSTEOFLOW_SEGMENTATION_CONCURRENCY: '0' }, 'OSTEOFLOW_SEGMENTATION_CONCURRENCY must be an integer ≥ 1, got "0"'],
    [{ OSTEOFLOW_SEGMENTATION_DEVICE: '-1' }, 'OSTEOFLOW_SEGMENTATION_DEVICE must be an integer ≥ 0, got "-1"'],
    [{ OSTEOFLOW_SEGMENTATION_TTA: 'yes' }, 'OSTEOFLOW_SEGMENTATION_TTA must be 1/true or 0/false, got "yes"'],
  ])('names the variable of a bad value %#', (env, message) => {
    expect(() => loadGpuWorkerSettings(env)).toThrow(message);
  });
});
