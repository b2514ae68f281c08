// Jest's runner for the integration project: test files one at a time, in the main process, because the suites share
// the stack's task queues, and a suite that kills its worker must not have another suite's worker pick up its
// activity. A suite that uses task queues of its own for every worker it starts, and never blocks the event loop,
// declares `@integration-lane own-queues` in its opening comment; those suites run one at a time too, but beside the
// shared lane, so their long waits (heartbeat timeouts, Python start-ups) overlap the other suites.
// The unit project keeps Jest's default runner and runs in parallel workers (jest.config.js).
const { readFileSync } = require('node:fs');
const path = require('node:path');

// jest-runner as the installed jest resolves it (it is jest's dependency, not the project's).
const { default: TestRunner } = require(require.resolve('jest-runner', { paths: [path.dirname(require.resolve('jest'))] }));

const OWN_QUEUES = /@integration-lane own-queues\b/;

function ownsItsQueues(test) {
  return OWN_QUEUES.test(readFileSync(test.path, 'utf8').slice(0, 4000));
}

class SerialRunner extends TestRunner {
  isSerial = true;

  async runTests(tests, watcher, options) {
    const own = tests.filter(ownsItsQueues);
    const shared = tests.filter((test) => !own.includes(test));
    // Each call runs its files one after another; the two calls run side by side.
    await Promise.all([super.runTests(shared, watcher, options), super.runTests(own, watcher, options)]);
  }
}

module.exports = SerialRunner;
