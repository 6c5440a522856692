import fc from 'fast-check';

/** The characters PostgreSQL cannot store in text or jsonb: NUL and lone UTF-16 surrogates (high, low). */
export const UNSTORABLE_CHARS = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff'] as const;

/** Text PostgreSQL cannot store: a NUL or a lone surrogate, alone, in a reversed pair, or inside plain text. */
export const unstorableText = fc.oneof(
  fc.constantFrom(...UNSTORABLE_CHARS, 'a\u0000b', '\udc00\ud800', 'emoji half \ud83d', '\ude00 low half', 'x'.repeat(40) + '\u0000'),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...UNSTORABLE_CHARS), fc.string({ maxLength: 8 })).map(([a, bad, b]) => `${a}${bad}${b}`),
);

/**
 * Bad input at random, for "never a 5xx" tests: a valid body broken one way at a time. A value
 * anywhere in it replaced by a hostile one or removed, an unknown field added, a string of it
 * tainted with text PostgreSQL cannot store, or the body replaced outright by something else.
 */
export const hostile = fc.oneof(
  unstorableText,
  fc.constant(null), fc.boolean(), fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.double(), fc.string({ maxLength: 12 }),
  fc.constantFrom(2 ** 53, 2 ** 53 + 2, -1, 0, 1.5, 1e308, -1e-9, '10', '1.2345', '0', '-1', '', 'x'.repeat(600), '9007199254740993', 'GOLD', 'not-a-uuid'),
  fc.constantFrom({}, [], [null], { $gt: 0 }, { __proto__: { admin: true } }),
  fc.array(fc.integer(), { maxLength: 3 }),
);

/** Every path to a value in the body: top-level keys, and keys of objects and arrays inside. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], [...prefix, k]))];
}

function valueAt(body: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)[k], body);
}

function setAt(body: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove && !Array.isArray(node)) delete node[last];
  else node[last] = value;
  return copy;
}

/**
 * How to break a body: one value replaced or removed, an unknown field added, one string value
 * tainted (a NUL or lone surrogate slipped into otherwise valid text), or the body replaced outright.
 */
export const breakage = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'remove', 'unknown', 'taint', 'whole'),
  pick: fc.nat(),
  value: hostile,
  taint: fc.record({ bad: fc.constantFrom(...UNSTORABLE_CHARS), at: fc.nat() }),
  whole: fc.oneof(fc.anything({ maxDepth: 2 }), fc.constantFrom('[]', 'null', '"x"', '12')),
  field: fc.constantFrom('bonus', 'admin', 'balance', 'user', 'id', 'points_override'),
});

export function broken(valid: Record<string, unknown>, b: Breakage): unknown {
  const all = paths(valid).filter((p) => p.length > 0);
  const at = all[b.pick % all.length]!;
  switch (b.kind) {
    case 'replace': return setAt(valid, at, b.value, false);
    case 'remove': return setAt(valid, at, undefined, true);
    case 'unknown': return { ...valid, [b.field]: b.value };
    case 'taint': {
      const strings = all.filter((p) => typeof valueAt(valid, p) === 'string');
      if (strings.length === 0) return setAt(valid, at, b.taint.bad, false);
      const path = strings[b.pick % strings.length]!;
      const text = valueAt(valid, path) as string;
      const i = b.taint.at % (text.length + 1);
      return setAt(valid, path, text.slice(0, i) + b.taint.bad + text.slice(i), false);
    }
    case 'whole': return b.whole;
  }
}

export type Breakage = typeof breakage extends fc.Arbitrary<infer T> ? T : never;

/** One bad text for every kind PostgreSQL refuses: a NUL, a lone high surrogate, a lone low surrogate. */
export const UNSTORABLE_SAMPLES: readonly { name: string; text: string }[] = [
  { name: 'a NUL character', text: 'before\u0000after' },
  { name: 'a lone high surrogate', text: 'half \ud83d emoji' },
  { name: 'a lone low surrogate', text: '\ude00 half emoji' },
];

/** The dotted path (`materials.0.material`) of every string value in `body`, as validation errors name fields. */
export function stringFields(body: unknown): string[] {
  return paths(body).filter((p) => p.length > 0 && typeof valueAt(body, p) === 'string').map((p) => p.join('.'));
}

/** `body` with the string at dotted `field` replaced by `text`. */
export function withText(body: Record<string, unknown>, field: string, text: string): unknown {
  return setAt(body, field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)), text, false);
}
