import { InvalidEnvironmentError, validateEnv } from '@wozamali/config';
import { MetricsServiceEnv } from './env';

describe('metrics-service environment', () => {
  it('counts in Johannesburg days unless told otherwise, and refuses a zone that does not exist, naming it', () => {
    expect(validateEnv(MetricsServiceEnv, {}).METRICS_TIME_ZONE).toBe('Africa/Johannesburg');
    expect(validateEnv(MetricsServiceEnv, { METRICS_TIME_ZONE: 'Europe/London' }).METRICS_TIME_ZONE).toBe('Europe/London');
    for (const bad of ['Mars/Olympus_Mons', 'Africa/Johannesburg; drop table x', '+02:00']) {
      expect(() => validateEnv(MetricsServiceEnv, { METRICS_TIME_ZONE: bad })).toThrow(InvalidEnvironmentError);
      expect(() => validateEnv(MetricsServiceEnv, { METRICS_TIME_ZONE: bad })).toThrow(/METRICS_TIME_ZONE/);
    }
    expect(() => validateEnv(MetricsServiceEnv, { METRICS_HANDLE_KEY: 'short' })).toThrow(/METRICS_HANDLE_KEY/);
  });
});
