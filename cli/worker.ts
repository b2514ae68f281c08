// `osteoflow worker torch`: the Python segmentation worker (workers/torch) on the configured Temporal server — the
// embedded stack's, or TEMPORAL_ADDRESS — provisioning its venv first (once). Signals pass through: SIGTERM/SIGINT
// let the running segmentation finish or hand it back (OSTEOFLOW_TORCH_SHUTDOWN_GRACE_S) before the worker exits.
import { loadConfig } from '../config';
import { temporalEndpoint } from '../config/endpoints';
import { ensureTorchVenv, spawnTorchWorker, torchWorkerEnv } from '../ops/torchWorker';
import { parseArguments, type Command } from './command';
import { isHelp, parseFlags } from './args';

const USAGE = `usage: osteoflow worker torch [--queue NAME]

  Serves segmentTumour with PyTorch on the segmentation task queue (default: OSTEOFLOW_TASK_QUEUE_SEGMENTATION,
  osteoflow-segmentation); a study routes its timepoints there with segmentation.taskQueue. Settings, from the
  environment (workers/torch/README.md): OSTEOFLOW_TORCH_DEVICE (cpu, cuda, cuda:N), OSTEOFLOW_TORCH_MODELS,
  OSTEOFLOW_TORCH_PRECISION, OSTEOFLOW_TORCH_CONCURRENCY, OSTEOFLOW_TORCH_TTA, OSTEOFLOW_TORCH_MEMORY_LIMIT_MB,
  OSTEOFLOW_TORCH_SHUTDOWN_GRACE_S.`;

export const workerCommand: Command = {
  summary: 'run the Python (PyTorch) segmentation worker against the stack',
  async run(argv) {
    const [kind, ...rest] = argv;
    if (isHelp(kind)) {
      console.log(USAGE);
      return 0;
    }
    if (kind !== 'torch') {
      console.error(USAGE);
      return 2;
    }
    const flags = parseArguments('osteoflow worker torch', USAGE, () => parseFlags(rest, { queue: { kind: 'string' } }));
    if (typeof flags === 'number') return flags;
    const cfg = loadConfig();
    const address = temporalEndpoint(cfg).address;
    const python = await ensureTorchVenv(cfg, (line) => console.log(line));
    const child = spawnTorchWorker(python, torchWorkerEnv(cfg, address, flags.queue ?? cfg.taskQueues.segmentation));
    child.stdout!.pipe(process.stdout);
    child.stderr!.pipe(process.stderr);
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGTERM', forward).on('SIGINT', forward);
    return new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  },
};
