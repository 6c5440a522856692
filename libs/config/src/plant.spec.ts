import { armPlant, CHAOS_PLANTS_FLAG, planted } from './plant';
import { InvalidEnvironmentError } from './validate-env';

describe('planted bugs (chaos suite only)', () => {
  afterEach(() => armPlant({}));

  it('nothing is planted by default', () => {
    expect(armPlant({})).toBeNull();
    expect(planted('double-credit')).toBe(false);
  });

  it('WOZAMALI_PLANT without the chaos-only flag refuses to start, and arms nothing', () => {
    expect(() => armPlant({ WOZAMALI_PLANT: 'double-credit' })).toThrow(InvalidEnvironmentError);
    expect(planted('double-credit')).toBe(false);
  });

  it('never in production, even with the flag', () => {
    expect(() => armPlant({ WOZAMALI_PLANT: 'double-credit', WOZAMALI_CHAOS_PLANTS: CHAOS_PLANTS_FLAG, NODE_ENV: 'production' })).toThrow(/never in production/);
    expect(planted('double-credit')).toBe(false);
  });

  it('an unknown plant or flag value refuses to start', () => {
    expect(() => armPlant({ WOZAMALI_PLANT: 'something-else', WOZAMALI_CHAOS_PLANTS: CHAOS_PLANTS_FLAG })).toThrow(/WOZAMALI_PLANT/);
    expect(() => armPlant({ WOZAMALI_PLANT: 'double-credit', WOZAMALI_CHAOS_PLANTS: 'yes' })).toThrow(/WOZAMALI_CHAOS_PLANTS/);
  });

  it('the chaos suite arms exactly the plant it names', () => {
    expect(armPlant({ WOZAMALI_PLANT: 'void-hold-on-timeout', WOZAMALI_CHAOS_PLANTS: CHAOS_PLANTS_FLAG })).toBe('void-hold-on-timeout');
    expect(planted('void-hold-on-timeout')).toBe(true);
    expect(planted('double-credit')).toBe(false);
  });
});
