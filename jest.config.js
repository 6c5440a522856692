// One jest run for the whole monorepo. Test tiers (STYLE.md):
//   *.spec.ts         pure logic, beside the code
//   *.medium-spec.ts  against the real PostgreSQL (and Kafka where the behaviour is messaging)
//   *.e2e-spec.ts     across HTTP -> database -> Kafka -> consumer
const fs = require('node:fs');
const path = require('node:path');
const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcrc.$schema;

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
  testMatch: ['**/*.spec.ts', '**/*.medium-spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper: { '^@wozamali/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts' },
  modulePathIgnorePatterns: ['<rootDir>/apps/.*/dist', '<rootDir>/libs/.*/dist'],
  globalSetup: '<rootDir>/libs/testing/src/global-setup.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
