// Jest's runner for the integration project: test files in the main process, in two lanes that run side by side,
// each taking the next file in Jest's order (largest or slowest first) when its last one ends. The suites share the
// stack's servers but never a task queue: the project's setup file gives each test file task queues of its own
// (tests/integration/support/suiteQueues.ts), so a suite that kills its worker never has another suite's worker pick
// up its activity. Most of a suite's time is spent waiting (heartbeat timeouts, retry backoffs, Python start-ups), so
// two lanes on two cores overlap those waits. A suite that stops or restarts servers starts a stack of its own.
// The unit project keeps Jest's default runner and runs in parallel workers (jest.config.js).
const path = require('node:path');

// jest-runner as the installed jest resolves it (it is jest's dependency, not the project's).
const { default: TestRunner } = require(require.resolve('jest-runner', { paths: [path.dirname(require.resolve('jest'))] }));

const LANES = 2;

class SerialRunner extends TestRunner {
  isSerial = true;

  async runTests(tests, watcher, options) {
    let next = 0;
    const lane = async () => {
      while (next < tests.length) await super.runTests([tests[next++]], watcher, options);
    };
    await Promise.all(Array.from({ length: Math.min(LANES, tests.length) }, lane));
  }
}

module.exports = SerialRunner;
