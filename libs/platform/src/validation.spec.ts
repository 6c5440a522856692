import { isStorableText, unstorableTextFields } from './validation';

describe('text PostgreSQL cannot store', () => {
  it('a NUL or a lone surrogate (high or low) is unstorable; paired surrogates (emoji) and other text are fine', () => {
    for (const bad of ['\u0000', 'a\u0000', '\ud800', 'x\udbff', '\udc00', '\udfffy', '\ude00\ud83d', 'ok \ud83d']) expect(isStorableText(bad)).toBe(false);
    for (const good of ['', 'plain', 'emoji 😀', '\ud83d\ude00', 'Ümlaut ñ 中文', '\u0001 control']) expect(isStorableText(good)).toBe(true);
  });

  it('names every bad field by its dotted path, keys included, and walks only JSON-like values', () => {
    const body = { name: 'ok', reason: 'a\u0000b', lines: [{ material: '\ud800' }, { material: 'PET' }], ['k\u0000']: 1, nested: { deep: { deeper: '\udc00' } } };
    expect(unstorableTextFields(body)).toEqual(['reason', 'lines.0.material', 'k\\u0000', 'nested.deep.deeper']);
    expect(unstorableTextFields('\u0000')).toEqual(['(body)']);
    class Manager { self = this; text = '\u0000'; }
    expect(unstorableTextFields({ manager: new Manager() })).toEqual([]);
    const cyclic: Record<string, unknown> = { a: 'x' };
    cyclic.self = [cyclic];
    expect(() => unstorableTextFields(cyclic)).not.toThrow();
  });
});
