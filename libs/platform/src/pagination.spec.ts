import { DomainException } from './problem';
import { decodeCursor, encodeCursor, pageOf } from './pagination';

describe('cursor pagination', () => {
  it('round-trips a keyset cursor and refuses anything it did not make with 400 validation_failed', () => {
    const key = ['2026-11-30T02:00:00.000Z', '0194d2a0-0000-7000-8000-000000000001'];
    expect(decodeCursor(encodeCursor(key), 2)).toEqual(key);
    expect(decodeCursor(undefined, 2)).toBeNull();
    for (const bad of ['x', encodeCursor(['only-one']), Buffer.from('{"a":1}').toString('base64url'), encodeCursor(['a', 'b\u0000'])]) {
      expect(() => decodeCursor(bad, 2)).toThrow(DomainException);
    }
  });

  it('pages rows fetched with one extra: a next cursor only when there is more', () => {
    const rows = [{ id: 'c' }, { id: 'b' }, { id: 'a' }];
    expect(pageOf(rows, 2, (r) => r.id, (r) => [r.id])).toEqual({ data: ['c', 'b'], next_cursor: encodeCursor(['b']) });
    expect(pageOf(rows, 3, (r) => r.id, (r) => [r.id])).toEqual({ data: ['c', 'b', 'a'], next_cursor: null });
    expect(pageOf([], 3, (r: { id: string }) => r.id, (r) => [r.id])).toEqual({ data: [], next_cursor: null });
  });
});
