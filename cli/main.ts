// The `osteoflow` command line: one entry per command, each implemented in its own layer.
import type { Command } from './command';
import { isHelp } from './args';
import type * as extract from './extract';
import type * as model from './model';
import type * as run from './run';
import type * as segment from './segment';
import type * as stack from './stack';
import type * as study from './study';
import type * as worker from './worker';

// Loaded lazily so that `osteoflow extract` does not pay for Temporal's start-up and vice versa
// (require, not import(): the bin runs TypeScript through tsx's CommonJS hook).
/* eslint-disable @typescript-eslint/no-require-imports */
const commands: Record<string, () => Promise<Command>> = {
  extract: async () => (require('./extract') as typeof extract).extractCommand,
  model: async () => (require('./model') as typeof model).modelCommand,
  run: async () => (require('./run') as typeof run).runCommand,
  segment: async () => (require('./segment') as typeof segment).segmentCommand,
  study: async () => (require('./study') as typeof study).studyCommand,
  stack: async () => (require('./stack') as typeof stack).stackCommand,
  worker: async () => (require('./worker') as typeof worker).workerCommand,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || isHelp(name) || name === 'help') {
    console.log('usage: osteoflow <command> [options]\n\ncommands:');
    for (const [cmd, load] of Object.entries(commands)) console.log(`  ${cmd.padEnd(10)} ${(await load()).summary}`);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`osteoflow: unknown command '${name}' (expected one of: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  return (await load()).run(rest);
}
