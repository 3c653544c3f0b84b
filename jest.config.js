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
  // dist/ is build output (npm start, the benchmarks, the OpenAPI dump): not a second copy of the package
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // a hang guard, not a speed check (speed lives in bench/): on this 2-core box shared with other
  // sessions (load 15-20) single tests of the visibility matrix and overlap took 60-90 s
  testTimeout: 180_000,
  maxWorkers: 2,
  // Jest force-kills a worker that has not exited 500 ms after it was told to end, and then warns
  // of a leak. There is none: instrumented, each worker's event loop was empty and its 'exit' event
  // fired 1-10 ms after the end message (only its stdio pipes left), but the process itself took
  // 0.6-9.6 s more to terminate (native teardown) on this 2-core box at load 18-22. A real leak -
  // a ref'd timer or socket - still keeps the loop alive past this bound and still warns.
  workerGracefulExitTimeout: 15_000,
};
