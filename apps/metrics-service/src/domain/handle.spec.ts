import { maskedHandle } from './handle';

describe('masked handles', () => {
  it('are stable for a key, differ between users and keys, and carry nothing of the user id', () => {
    const id = '0190f3c2-7a1b-7c3d-8e4f-a1b2c3d4e5f6';
    const h = maskedHandle(id, 'k'.repeat(16));
    expect(h).toMatch(/^Recycler [0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(maskedHandle(id.toUpperCase(), 'k'.repeat(16))).toBe(h);
    expect(maskedHandle('0190f3c2-7a1b-7c3d-8e4f-a1b2c3d4e5f7', 'k'.repeat(16))).not.toBe(h);
    expect(maskedHandle(id, 'j'.repeat(16))).not.toBe(h);
    for (const part of id.split('-')) expect(h.toLowerCase()).not.toContain(part.slice(0, 4));
  });
});
