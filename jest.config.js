// Two projects: unit tests need no server and run in parallel workers; integration tests share one real stack started
// in globalSetup and run two files at a time in worker processes (tests/support/integrationRunner.cjs), each file on
// task queues of its own (tests/integration/support/suiteQueues.ts). Jest runs the two projects one after the other,
// never side by side.
const os = require('node:os');

const transform = { '^.+\\.(t|j)sx?$': '<rootDir>/tests/support/swcTransform.cjs' };
// openid-client and its dependencies are ESM only: transformed to CommonJS like our own code.
const transformIgnorePatterns = ['/node_modules/(?!(openid-client|oauth4webapi|jose)/)'];
const common = { testEnvironment: 'node', transform, transformIgnorePatterns, moduleFileExtensions: ['ts', 'tsx', 'js', 'json'] };

module.exports = {
  // Every core but one for the unit project, and at least two (Jest's default leaves one worker on two cores).
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      runner: '<rootDir>/tests/support/integrationRunner.cjs',
      setupFiles: ['<rootDir>/tests/integration/support/suiteQueues.ts'],
      globalSetup: '<rootDir>/tests/integration/globalSetup.ts',
      globalTeardown: '<rootDir>/tests/integration/globalTeardown.ts',
    },
  ],
};
