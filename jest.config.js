/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/setup/quiet-env.js'],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
