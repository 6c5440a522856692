// jest globalSetup: when jest is run directly (not through `npm test`), prepare the same
// infrastructure as scripts/test.sh does, so a developer's `npx jest path` works too.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

module.exports = async () => {
  if (process.env.WOZAMALI_INFRA_READY) return;
  const root = path.resolve(__dirname, '../../..');
  process.env.DB_PREFIX = process.env.DB_PREFIX || 'wozamali_test';
  process.env.KAFKA_PORT = process.env.KAFKA_PORT || '19092';
  process.env.KAFKA_CONTROLLER_PORT = process.env.KAFKA_CONTROLLER_PORT || '19093';
  process.env.KAFKA_ACL_ANY_GROUP = process.env.KAFKA_ACL_ANY_GROUP || '1';
  process.env.DEAD_LETTER_REPLAY = process.env.DEAD_LETTER_REPLAY || 'true';
  execSync('bash -c "source scripts/prepare.sh"', { cwd: root, stdio: 'inherit', env: process.env });
  // The broker's admin user for the tests' own clients (prepare.sh exported it in its own shell only).
  const credentials = process.env.KAFKA_CREDENTIALS_FILE || path.join(root, '.run', 'kafka-credentials.json');
  if (!process.env.KAFKA_ADMIN_USERNAME && fs.existsSync(credentials)) {
    const creds = JSON.parse(fs.readFileSync(credentials, 'utf8'));
    process.env.KAFKA_ADMIN_USERNAME = 'admin';
    process.env.KAFKA_ADMIN_PASSWORD = creds.users.admin;
    process.env.KAFKA_ADMIN_MECHANISM = creds.mechanism || 'scram-sha-512';
  }
  process.env.KAFKA_BROKERS = process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT}`;
  process.env.WOZAMALI_INFRA_READY = '1';
};
