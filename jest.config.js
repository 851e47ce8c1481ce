/**
 * Jest: `unit` (pure, no services) and `integration` (real PostgreSQL, Temporal, SMTP and chromium, started by
 * the global setup). Two test files run at a time by default (JEST_MAX_WORKERS to change it): each file has its own
 * database cloned from the template, its own task queue, SMTP server and ports, and the fault drills their own
 * PostgreSQL and Temporal, so files do not see each other. Most of a file's time is spent waiting on the real
 * services, so two at a time nearly halves the run even on two cores.
 */
const swc = ['@swc/jest', { jsc: { target: 'es2022' } }];
// The OIDC packages (openid-client, oidc-provider and their jose 6, oauth4webapi) ship ES modules only: Jest's
// CommonJS runtime loads them compiled by swc like our own sources (Node itself loads them with require(esm)).
const transform = { '^.+\\.ts$': swc, '^.+/node_modules/.+\\.m?js$': swc };
const transformIgnorePatterns = ['/node_modules/(?!(openid-client|oauth4webapi|oidc-provider|jose)/)'];

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: Number(process.env.JEST_MAX_WORKERS ?? 2),
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // Longest files first, by the committed timings of a full run where jest has none of its own (a fresh clone).
  testSequencer: '<rootDir>/test/support/test-sequencer.js',
  // Integration tests wait for real processes (workers, e-mail); a global option, projects cannot set it.
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
