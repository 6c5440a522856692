import { isStorableText, MAX_BODY_DEPTH, nestsDeeperThan, unstorableTextFields } from './validation';

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

describe('bodies nested too deep', () => {
  const nest = (depth: number, inner: unknown = 'x', asArray = false): unknown => {
    let v = inner;
    for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
    return v;
  };

  it('counts levels of objects and arrays without recursion, also thousands deep', () => {
    expect(nestsDeeperThan(nest(32), MAX_BODY_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nest(33), MAX_BODY_DEPTH)).toBe(true);
    expect(nestsDeeperThan({ reason: nest(2_000) }, MAX_BODY_DEPTH)).toBe(true);
    expect(nestsDeeperThan(nest(20_000, 1, true), MAX_BODY_DEPTH)).toBe(true);
    expect(nestsDeeperThan({ points: 10, lines: [{ material: 'PET', grams: 1 }], tags: [] }, MAX_BODY_DEPTH)).toBe(false);
    for (const scalar of [null, undefined, 'text', 12, true]) expect(nestsDeeperThan(scalar, 0)).toBe(false);
  });
});
