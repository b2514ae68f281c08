// `osteoflow stack start|stop|status`: the embedded Temporal + MLflow + Orthanc stack by hand.
import { parseArguments, type Command } from './command';
import { isHelp, parseFlags } from './args';
import { loadConfig } from '../config';
import { StackError } from '../config/stackError';
import { stackPaths } from '../config/endpoints';
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
        const pacs = endpoints.orthanc;
        if (pacs) {
          const dicom = pacs.dicom ? `, DICOM ${pacs.dicom.calledAet}@${pacs.dicom.host}:${pacs.dicom.port}` : '';
          console.log(`Orthanc:  ${pacs.url}${dicom}${pacs.embedded ? ` (credentials in ${stackPaths(cfg.dataDir).orthancCredentials})` : ''}`);
        }
      } else if (action === 'stop') {
        await stopStack(cfg, log);
      } else {
        const status = stackStatus(cfg);
        console.log(`Temporal: ${status.temporal}\nMLflow:   ${status.mlflow}\nOrthanc:  ${status.orthanc}`);
      }
      return 0;
    } catch (err) {
      console.error(err instanceof StackError ? `osteoflow stack: ${err.message}` : err);
      return 1;
    }
  },
};
