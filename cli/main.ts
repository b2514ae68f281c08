// The `osteoflow` command line: one entry per command, each implemented in its own layer.

export type Command = {
  summary: string;
  /** Resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
};

// Loaded lazily so that `osteoflow extract` does not pay for Temporal's start-up and vice versa
// (require, not import(): the bin runs TypeScript through tsx's CommonJS hook).
const commands: Record<string, () => Promise<Command>> = {
  extract: async () => (require('./extract') as typeof import('./extract')).extractCommand,
  model: async () => (require('./model') as typeof import('./model')).modelCommand,
  run: async () => (require('./run') as typeof import('./run')).runCommand,
  segment: async () => (require('./segment') as typeof import('./segment')).segmentCommand,
  study: async () => (require('./study') as typeof import('./study')).studyCommand,
  stack: async () => (require('./stack') as typeof import('./stack')).stackCommand,
  worker: async () => (require('./worker') as typeof import('./worker')).workerCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
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
