// The `osteoflow` command line: one entry per command, each implemented in its own layer.
import { inspect } from 'node:util';
import type { Command } from './command';
import { isHelp } from './args';
import { StackError } from '../config/stackError';
import type * as extract from './extract';
import type * as model from './model';
import type * as run from './run';
import type * as segment from './segment';
import type * as stack from './stack';
import type * as study from './study';
import type * as worker from './worker';

// Loaded lazily so that `osteoflow extract` does not pay for Temporal's start-up and vice versa, and listed with their
// summaries so that `osteoflow --help` loads none of them (tests/unit/cli/help.test.ts checks each summary against the
// command's own). require, not import(): the CLI runs as a CommonJS bundle, or from source through tsx's CommonJS hook.
/* eslint-disable @typescript-eslint/no-require-imports */
const commands: Record<string, { summary: string; load: () => Command }> = {
  codec: {
    summary: 'encrypted workflow payloads: make and rotate the codec keys, serve the codec to the Temporal UI',
    load: () => (require('./codec') as { codecCommand: Command }).codecCommand,
  },
  console: {
    summary: 'the web console (sign-in, roles, audit trail) against the running stack',
    load: () => (require('./console') as { consoleCommand: Command }).consoleCommand,
  },
  extract: {
    summary: 'radiomics features of an image and mask (PyRadiomics-compatible parameter files)',
    load: () => (require('./extract') as typeof extract).extractCommand,
  },
  identity: {
    summary: 'the encrypted patient identifier ↔ pseudonym map: assign or look up a pseudonym, reveal an identifier',
    load: () => (require('./identity') as { identityCommand: Command }).identityCommand,
  },
  intake: {
    summary: 'PACS intake: take in new series by themselves, and the review list of those it could not place',
    load: () => (require('./intake') as { intakeCommand: Command }).intakeCommand,
  },
  ledger: {
    summary: 'verify the prediction ledger (hash chain, append-only) in the results store',
    load: () => (require('./ledger') as { ledgerCommand: Command }).ledgerCommand,
  },
  maps: {
    summary: 'ADC, IVIM, DCE and T1 maps; peritumoral shells; bone-marrow region',
    load: () => (require('./maps') as { mapsCommand: Command }).mapsCommand,
  },
  mask: {
    summary: 'RTSTRUCT or SEG → NIfTI mask on the DICOM series grid; mask → SEG',
    load: () => (require('./mask') as { maskCommand: Command }).maskCommand,
  },
  model: {
    summary: 'train, list, promote or roll back response-prediction models (MLflow registry)',
    load: () => (require('./model') as typeof model).modelCommand,
  },
  run: {
    summary: 'run the main job: a synthetic study through the whole pipeline on the embedded stack',
    load: () => (require('./run') as typeof run).runCommand,
  },
  segment: { summary: 'segment the tumour of a scan set with a model package (ONNX)', load: () => (require('./segment') as typeof segment).segmentCommand },
  study: {
    summary: "a study coordinator's actions on patient timelines (enrol, register, override, retry, pathology, withdraw, show, list)",
    load: () => (require('./study') as typeof study).studyCommand,
  },
  stack: {
    summary: 'start, stop or show the embedded Temporal dev server and MLflow server',
    load: () => (require('./stack') as typeof stack).stackCommand,
  },
  users: { summary: "the web console's users: add (with roles), list, disable", load: () => (require('./users') as { usersCommand: Command }).usersCommand },
  worker: { summary: 'run the Python (PyTorch) segmentation worker against the stack', load: () => (require('./worker') as typeof worker).workerCommand },
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Each command's one-line summary, as `osteoflow --help` lists it, and how to load it. */
export const COMMANDS: Readonly<typeof commands> = commands;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || isHelp(name) || name === 'help') {
    console.log('usage: osteoflow <command> [options]\n\ncommands:');
    for (const [cmd, { summary }] of Object.entries(commands)) console.log(`  ${cmd.padEnd(10)} ${summary}`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`osteoflow: unknown command '${name}' (expected one of: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  try {
    return await command.load().run(rest);
  } catch (err) {
    reportFailure(`osteoflow ${name}`, err);
    return 1;
  }
}

/** OSTEOFLOW_DEBUG=1 (or `osteoflow run --debug`): failures come with their stack trace and causes. */
export function isDebug(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.OSTEOFLOW_DEBUG ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/**
 * A failure as a person reads it: its message in one line, and where it has causes (a failed Temporal workflow: the
 * activity's failure, and under it the error the activity threw) the root cause's type and message. A StackError
 * keeps its second line, the fix.
 */
export function describeFailure(err: unknown): string {
  if (err instanceof StackError) return err.message;
  if (!(err instanceof Error)) return oneLine(String(err));
  let root: Error = err;
  while (root.cause instanceof Error) root = root.cause;
  if (root === err) return oneLine(err.message || err.name);
  // A Temporal ApplicationFailure carries the thrown error's name as its `type`.
  const type = 'type' in root && typeof root.type === 'string' && root.type ? root.type : root.name;
  return oneLine(`${err.message} (${type}: ${root.message})`);
}

/** Prints `<command>: <failure in one line>` on stderr, and in debug mode the whole error with its causes. */
export function reportFailure(command: string, err: unknown): void {
  console.error(`${command}: ${describeFailure(err)}`);
  if (isDebug()) console.error(inspect(err, { depth: 8 }));
}
