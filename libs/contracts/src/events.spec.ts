import { dataJsonSchema, defineEvent, exampleData, fieldProblems } from './event-definition';
import { EventDefinitions, eventDataProblems, isKnownEventType, type EventData, type EventType, type WalletUpdateData } from './events';
import { Topics } from './topics';
import { uuidv7 } from './uuid';

interface Sample {
  id: string;
  count: number;
  note: string | null;
  tags?: string[];
}

// Compile-time guarantees: `tsc` (npm test's typecheck) fails if any of these stops being an error.
export const typeChecks = [
  defineEvent<Sample>()('sample', Topics.wallet, { id: 'uuid', count: 'int', note: 'string|null', tags: 'array?' }),
  // @ts-expect-error a field of the interface missing from the spec
  defineEvent<Sample>()('sample', Topics.wallet, { id: 'uuid', count: 'int', note: 'string|null' }),
  // @ts-expect-error a field the interface does not have
  defineEvent<Sample>()('sample', Topics.wallet, { id: 'uuid', count: 'int', note: 'string|null', tags: 'array?', extra: 'int' }),
  // @ts-expect-error a number declared as a string
  defineEvent<Sample>()('sample', Topics.wallet, { id: 'uuid', count: 'string', note: 'string|null', tags: 'array?' }),
  // @ts-expect-error a nullable field declared not nullable
  defineEvent<Sample>()('sample', Topics.wallet, { id: 'uuid', count: 'int', note: 'string', tags: 'array?' }),
  // @ts-expect-error an optional field declared required
  defineEvent<Sample>()('sample', Topics.wallet, { id: 'uuid', count: 'int', note: 'string|null', tags: 'array' }),
];

const walletData: EventData<'wallet_update'> = {
  user_id: uuidv7(), wallet_id: uuidv7(), transfer_id: uuidv7(), kind: 'earn', currency: 'ZAR', balance_change: 250,
  points_change: 50, description: 'earned', new_balance: 250, new_points: 50, held: 0,
};

describe('event contracts', () => {
  it('every definition is keyed by its own type and published on its domain topic', () => {
    const byTopic: Record<string, string[]> = {};
    for (const [key, def] of Object.entries(EventDefinitions)) {
      expect(def.type).toBe(key);
      expect(def.version).toBe(1);
      (byTopic[def.topic] ??= []).push(key);
    }
    expect(byTopic).toEqual({
      [Topics.wallet]: ['wallet_update', 'points_update', 'tier_update', 'collection_recorded'],
      [Topics.rewards]: ['reward_issue', 'reward_used', 'reward_expiring', 'reward_expired', 'reward_cancelled', 'reward_code_rate_limited'],
      [Topics.donations]: ['donation_create', 'campaign_update', 'campaign_completed', 'donation_refunded', 'disbursement_update'],
      [Topics.withdrawals]: ['withdrawal_request', 'withdrawal_update'],
      [Topics.metrics]: ['metrics_update'],
      [Topics.webhooks]: ['webhook_delivery_failed'],
    });
  });

  it('knows its types and no others', () => {
    expect(isKnownEventType('wallet_update')).toBe(true);
    expect(isKnownEventType('reward_redeemed')).toBe(false);
    expect(isKnownEventType('toString')).toBe(false);
  });

  it('accepts complete data and names every field that is missing or of the wrong kind', () => {
    const data: WalletUpdateData = walletData;
    expect(eventDataProblems('wallet_update', data)).toEqual([]);
    const withoutHeld: Partial<WalletUpdateData> = { ...data };
    delete withoutHeld.held;
    expect(eventDataProblems('wallet_update', withoutHeld)).toEqual(['held must be int']);
    expect(eventDataProblems('wallet_update', { ...data, wallet_id: null, balance_change: 2.5 })).toEqual(['wallet_id must be uuid', 'balance_change must be int']);
    expect(eventDataProblems('wallet_update', null)).toEqual(['data must be an object']);
    expect(eventDataProblems('wallet_update', [])).toEqual(['data must be an object']);
  });

  it('with `only`, checks the named fields and nothing else', () => {
    const partial = { user_id: uuidv7(), points_change: 5, wallet_id: null };
    expect(eventDataProblems('wallet_update', partial, ['user_id', 'points_change'])).toEqual([]);
    expect(eventDataProblems('wallet_update', partial, ['user_id', 'wallet_id'])).toEqual(['wallet_id must be uuid']);
    expect(eventDataProblems('wallet_update', { user_id: 'not-a-uuid' }, ['user_id', 'not_a_field'])).toEqual(['user_id must be uuid']);
    expect(eventDataProblems('wallet_update', partial, [])).toEqual([]);
    expect(eventDataProblems('wallet_update', 'text', ['user_id'])).toEqual(['data must be an object']);
  });

  it('lets nullable fields be null and optional ones be absent, and checks them when present', () => {
    const base = {
      collection_id: uuidv7(), user_id: uuidv7(), collector_id: null, collected_at: new Date().toISOString(), rate_card_version: 1,
      tier: 'bronze', tier_multiplier_bp: 10000, points: 50, amount: 250, fund_amount: 0, gross_amount: 250, currency: 'ZAR',
      total_grams: 5000, lines: [], impact: {}, transfer_id: uuidv7(), materials: [],
    };
    expect(eventDataProblems('collection_recorded', base)).toEqual([]);
    expect(eventDataProblems('collection_recorded', { ...base, collector_id: 'x', collected_at: 'yesterday', impact: [] })).toEqual([
      'collector_id must be uuid|null', 'collected_at must be iso-date', 'impact must be object',
    ]);
  });

  it('every type has at least one field, and every field spec is a known kind', () => {
    for (const type of Object.keys(EventDefinitions) as EventType[]) {
      const fields = Object.entries(EventDefinitions[type].fields);
      expect(fields.length).toBeGreaterThan(0);
      for (const [, spec] of fields) expect(spec).toMatch(/^(uuid|int|string|iso-date|object|array|boolean)(\?|\|null)?$/);
    }
  });
});

describe('event data as JSON Schema and as an example', () => {
  it('gives every event type a schema whose required fields are its non-optional ones, and an example that is valid data', () => {
    for (const [type, def] of Object.entries(EventDefinitions)) {
      const schema = dataJsonSchema(def.fields);
      expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(def.fields).sort());
      expect(schema.required.sort()).toEqual(Object.entries(def.fields).filter(([, s]) => !s.endsWith('?')).map(([n]) => n).sort());
      expect([type, fieldProblems(def.fields, exampleData(def.fields))]).toEqual([type, []]);
    }
  });

  it('maps kinds to JSON types, nullable to a type pair', () => {
    expect(dataJsonSchema({ a: 'uuid', b: 'int?', c: 'iso-date|null', d: 'boolean' })).toEqual({
      type: 'object', additionalProperties: true, required: ['a', 'c', 'd'],
      properties: { a: { type: 'string', format: 'uuid' }, b: { type: 'integer' }, c: { type: ['string', 'null'], format: 'date-time' }, d: { type: 'boolean' } },
    });
  });
});
