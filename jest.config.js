/**
 * One jest run for unit (`*.spec.ts`, beside the code) and e2e (`*.e2e-spec.ts`, under test/, and one beside the
 * task lib's sync engine, whose internals it drives) suites.
 */
const moduleNameMapper = {
  '^@app/(core|database|task|campaign-gateway|firm-bot-quota|stats|observability|suppression|events)$':
    '<rootDir>/libs/$1/src',
};

module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }] },
  moduleNameMapper,
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
  testTimeout: 60000,
  // The suites wait on I/O (database, simulator) far more than on CPU: two workers on two cores.
  maxWorkers: 2,
};
