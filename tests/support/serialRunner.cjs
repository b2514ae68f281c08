// Jest's runner with its test files one at a time, in the main process: the integration project's suites share the
// stack's task queues, and a suite that kills its worker must not have another suite's worker pick up its activity.
// The unit project keeps Jest's default runner and runs in parallel workers (jest.config.js).
const path = require('node:path');

// jest-runner as the installed jest resolves it (it is jest's dependency, not the project's).
const { default: TestRunner } = require(require.resolve('jest-runner', { paths: [path.dirname(require.resolve('jest'))] }));

class SerialRunner extends TestRunner {
  isSerial = true;
}

module.exports = SerialRunner;
