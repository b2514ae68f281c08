// Two projects: unit tests need no server and run in parallel workers; integration tests share one real stack started
// in globalSetup and run one file at a time (tests/support/serialRunner.cjs): they share the stack's task queues, and a
// suite that kills its worker must not have another suite's worker pick up its activity. Jest runs the two projects one
// after the other, never side by side.
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
      runner: '<rootDir>/tests/support/serialRunner.cjs',
      globalSetup: '<rootDir>/tests/integration/globalSetup.ts',
      globalTeardown: '<rootDir>/tests/integration/globalTeardown.ts',
    },
  ],
};
