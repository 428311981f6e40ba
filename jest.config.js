/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  // Generous: a timeout bounds a hang, it is not a measurement (timings belong in `npm run bench` and
  // `npm run test:reliability`). A busy machine can make a test that takes 5 s idle take a minute.
  testTimeout: 120_000,
  setupFiles: ['<rootDir>/test/setup/quiet-env.js'],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
