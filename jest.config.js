/**
 * One Jest run: unit tests next to the code (src/**\/*.spec.ts) and e2e tests in test/.
 * globalSetup starts one PostgreSQL (embedded, or DATABASE_URL's server) and a migrated
 * template database; every test file clones its own database from it, so files run in parallel.
 */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
