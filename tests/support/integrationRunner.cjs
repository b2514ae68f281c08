// Jest's runner for the integration project: test files in two worker processes that run side by side, each taking the
// next file in Jest's order (slowest or largest first) when its last one ends. The suites share the stack's servers
// but never a task queue: the project's setup file gives each test file task queues of its own
// (tests/integration/support/suiteQueues.ts), so a suite that kills its worker never has another suite's worker pick
// up its activity. Most of a suite's time is spent waiting (heartbeat timeouts, retry backoffs, Python start-ups), so
// two at a time on two cores overlap those waits; more would only contend for the cores and the one stack. Processes,
// not lanes in Jest's own process: each file's error handlers and event loop stay its own. A suite that stops or
// restarts servers starts a stack of its own. A run of one file (or `--runInBand`) stays in Jest's process.
// The unit project keeps Jest's default runner, with a worker per core but one (jest.config.js).
const path = require('node:path');

// jest-runner as the installed jest resolves it (it is jest's dependency, not the project's).
const { default: TestRunner } = require(require.resolve('jest-runner', { paths: [path.dirname(require.resolve('jest'))] }));

const SIDE_BY_SIDE = 2;

class IntegrationRunner extends TestRunner {
  constructor(globalConfig, context, options) {
    super({ ...globalConfig, maxWorkers: SIDE_BY_SIDE }, context, options);
  }
}

module.exports = IntegrationRunner;
