import { randomBytes } from 'node:crypto';
import { InvalidEnvironmentError, validateEnv } from '@wozamali/config';
import { checkDispatcherEnv, DEV_WEBHOOK_SECRET_KEY, WebhookDispatcherEnv } from './env';

describe('webhook-dispatcher environment', () => {
  it('defaults to the issue: 15 s timeout, 5s…10h schedule with 20% jitter, 24 h grace, 5 days to disable, no loopback', () => {
    const env = validateEnv(WebhookDispatcherEnv, {});
    expect(env).toMatchObject({
      WEBHOOK_TIMEOUT_MS: 15_000, WEBHOOK_RETRY_SCHEDULE: '5s,5m,30m,2h,5h,10h,10h', WEBHOOK_RETRY_JITTER: 0.2,
      WEBHOOK_SECRET_GRACE_MS: 86_400_000, WEBHOOK_DISABLE_AFTER_FAILING_MS: 432_000_000, WEBHOOK_ALLOW_LOOPBACK: false, WEBHOOK_ALLOW_PRIVATE: false,
      WEBHOOK_SECRET_KEY: DEV_WEBHOOK_SECRET_KEY,
    });
    expect(Buffer.from(DEV_WEBHOOK_SECRET_KEY, 'base64')).toHaveLength(32);
  });

  it('refuses to start on a bad secret key, schedule or lease, naming the variable', () => {
    expect(() => validateEnv(WebhookDispatcherEnv, { WEBHOOK_SECRET_KEY: randomBytes(16).toString('base64') })).toThrow(/WEBHOOK_SECRET_KEY=.*32 bytes/);
    expect(() => validateEnv(WebhookDispatcherEnv, { WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    expect(() => validateEnv(WebhookDispatcherEnv, { WEBHOOK_ALLOW_LOOPBACK: 'maybe' })).toThrow(/WEBHOOK_ALLOW_LOOPBACK/);
    const tight = validateEnv(WebhookDispatcherEnv, { WEBHOOK_TIMEOUT_MS: '15000', WEBHOOK_LEASE_MS: '15000' });
    expect(() => checkDispatcherEnv(tight)).toThrow(InvalidEnvironmentError);
    expect(validateEnv(WebhookDispatcherEnv, { WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64') }).WEBHOOK_SECRET_KEY).toHaveLength(44);
  });
});
