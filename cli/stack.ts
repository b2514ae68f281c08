// `osteoflow stack start|stop|status`: the embedded Temporal + MLflow stack by hand.
import { parseArguments, type Command } from './command';
import { isHelp, parseFlags } from './args';
import { loadConfig } from '../config';
import { StackError } from '../config/stackError';
import { startStack, stackStatus, stopStack } from '../ops/stack';

const USAGE = 'usage: osteoflow stack <start|stop|status> [--headless]';

export const stackCommand: Command = {
  summary: 'start, stop or show the embedded Temporal dev server and MLflow server',
  async run(argv) {
    const [action, ...rest] = argv;
    if (isHelp(action)) {
      console.log(USAGE);
      return 0;
    }
    if (!['start', 'stop', 'status'].includes(action ?? '')) {
      console.error(USAGE);
      return 2;
    }
    const flags = parseArguments(`osteoflow stack ${action}`, USAGE, () => parseFlags(rest, { headless: { kind: 'boolean' } }));
    if (typeof flags === 'number') return flags;
    const cfg = loadConfig();
    const log = (line: string) => console.log(`[stack] ${line}`);
    try {
      if (action === 'start') {
        const endpoints = await startStack(cfg, { headless: flags.headless === true, log });
        console.log(
          `Temporal: ${endpoints.temporal.address} (namespace ${endpoints.temporal.namespace})${endpoints.temporal.uiUrl ? `, web UI ${endpoints.temporal.uiUrl}` : ''}`,
        );
        console.log(`MLflow:   ${endpoints.mlflow.trackingUri}`);
      } else if (action === 'stop') {
        await stopStack(cfg, log);
      } else {
        const status = stackStatus(cfg);
        console.log(`Temporal: ${status.temporal}\nMLflow:   ${status.mlflow}`);
      }
      return 0;
    } catch (err) {
      console.error(err instanceof StackError ? `osteoflow stack: ${err.message}` : err);
      return 1;
    }
  },
};
