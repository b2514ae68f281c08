// What every `osteoflow` command is: a one-line summary for `osteoflow --help` and a run that resolves to the process
// exit code (0 success, 1 bad input, 2 bad arguments).
import { UsageError } from './args';

export type Command = {
  summary: string;
  /** Resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
};

/**
 * A command's argument parsing with the usual answers: bad arguments print `<command>: <message>` and the usage on
 * stderr (exit 2); -h/--help prints the usage on stdout (exit 0). Returns the parsed arguments, or that exit code.
 */
export function parseArguments<T extends { help?: boolean }>(command: string, usage: string, parse: () => T): T | number {
  let args: T;
  try {
    args = parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${command}: ${err.message}\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  return args;
}
