import { isDatabaseUnavailable, ProblemFilter } from './problem';

describe('problems', () => {
  it('answers a database that could not be reached 503 service_unavailable (retry with the same key), anything unknown 500 that leaks nothing', () => {
    const filter = new ProblemFilter();
    for (const err of [new Error('Connection terminated due to connection timeout'), new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }), Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })]) {
      expect(isDatabaseUnavailable(err)).toBe(true);
      expect(filter.toProblem(err)).toMatchObject({ status: 503, code: 'service_unavailable', retry_after_seconds: 1 });
    }
    for (const err of [new Error('relation "x" does not exist'), Object.assign(new Error('duplicate key'), { code: '23505' }), null, 'text']) {
      expect(isDatabaseUnavailable(err)).toBe(false);
    }
    const unknown = filter.toProblem(new Error('secret internals'));
    expect(unknown).toMatchObject({ status: 500, code: 'internal_error' });
    expect(JSON.stringify(unknown)).not.toContain('secret internals');
  });
});
