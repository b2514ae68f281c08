// What every `osteoflow` command is: a one-line summary for `osteoflow --help` and a run that resolves to the process
// exit code (0 success, 1 bad input, 2 bad arguments).
import { isHelp, parseFlags, UsageError, type FlagSpec } from './args';

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

/**
 * The action and its flags of a command that has actions (`osteoflow <command> <action> --flags`), parsed by the
 * action's spec. Help with no action prints the usage on stdout (exit 0); a missing or unknown action prints it on
 * stderr (exit 2); bad flags and an action's help are answered as parseArguments does. Returns the exit code otherwise.
 */
export function parseAction(
  command: string,
  usage: string,
  specs: Record<string, FlagSpec>,
  argv: string[],
): { action: string; flags: Record<string, unknown> } | number {
  const [action, ...rest] = argv;
  if (isHelp(action)) {
    console.log(usage);
    return 0;
  }
  const spec = action && Object.hasOwn(specs, action) ? specs[action] : undefined;
  if (!spec) {
    console.error(usage);
    return 2;
  }
  const flags = parseArguments(`${command} ${action}`, usage, () => parseFlags(rest, spec));
  return typeof flags === 'number' ? flags : { action, flags };
}
