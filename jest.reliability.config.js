/**
 * `npm run test:reliability`: the slow reliability tests (test/reliability/*.slow-spec.ts) —
 * several server processes under load, SIGKILLed mid-load. Same global setup as the main suite.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/reliability/**/*.slow-spec.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
};
