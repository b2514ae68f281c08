// The Temporal SDK's process-wide runtime, installed once with the log level the entry point wants.
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';

let installed = false;

/** Call before creating any worker or native connection; later calls are ignored (the runtime is per process). */
export function installRuntime(level: LogLevel = 'INFO'): void {
  if (installed) return;
  Runtime.install({ logger: new DefaultLogger(level) });
  installed = true;
}
