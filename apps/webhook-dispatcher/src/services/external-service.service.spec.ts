import { healthStatus } from './external-service.service';

describe('external service health', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('is healthy within 5 minutes of a heartbeat, warning within an hour, else unhealthy', () => {
    expect(healthStatus(new Date(now - 5 * 60_000), now)).toBe('healthy');
    expect(healthStatus(new Date(now - 5 * 60_000 - 1), now)).toBe('warning');
    expect(healthStatus(new Date(now - 60 * 60_000), now)).toBe('warning');
    expect(healthStatus(new Date(now - 60 * 60_000 - 1), now)).toBe('unhealthy');
    expect(healthStatus(null, now)).toBe('unhealthy');
  });
});
