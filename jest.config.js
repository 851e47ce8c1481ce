/** Jest: unit tests (test/unit) and integration tests against real PostgreSQL, Temporal, SMTP and chromium. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Two cores: integration suites share one Temporal server and one PostgreSQL cluster; run them one by one.
  maxWorkers: 1,
  testTimeout: 120000,
  forceExit: false,
};
