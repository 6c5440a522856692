import { uuidv7 } from '@wozamali/contracts';
import { ADMIN_HEADERS, RewardsStack, userHeaders } from '../support/stack';

// Through the gateway only: the real wallet-service, rewards-service and gateway processes.
const stack = new RewardsStack();
beforeAll(() => stack.start(), 180_000);
afterAll(() => stack.stop());

it('a resident redeems a partner voucher; the partner validates and uses its code once; nobody else can', async () => {
  const partnerId = `cafe-${uuidv7().slice(-8)}`;
  const created = await stack.call('POST', '/v1/rewards', ADMIN_HEADERS, { code: `CAFE_${uuidv7().replace(/-/g, '').slice(-8).toUpperCase()}`, name: 'Coffee voucher', type: 'discount', points_cost: 120, value: 3500, partner_service_id: partnerId, partner_reward_id: 'COFFEE' });
  expect(created.status).toBe(201);
  const user = uuidv7();
  const me = userHeaders('resident', user);
  expect((await stack.call('POST', `/v1/users/${user}/points/earn`, ADMIN_HEADERS, { points: 200, amount: 0, reason: 'e2e' })).status).toBe(201);

  const catalogue = await stack.call('GET', '/v1/rewards?type=discount&limit=100', me);
  expect(catalogue.body.data.find((r: any) => r.id === created.body.id)).toMatchObject({ eligibility: { eligible: true } });

  const someoneElse = await stack.call('POST', `/v1/users/${user}/rewards`, userHeaders('resident', uuidv7()), { reward_id: created.body.id });
  expect(someoneElse.status).toBe(404);
  const redeemed = await stack.call('POST', `/v1/users/${user}/rewards`, me, { reward_id: created.body.id });
  expect(redeemed.status).toBe(201);
  const code = redeemed.body.user_reward.code as string;
  expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  expect((await stack.call('GET', `/v1/wallets/${user}`, me)).body.points).toBe(80);

  const partner = await stack.apiKey(partnerId, { rewards: ['use_codes'] });
  const stranger = await stack.apiKey(`other-${uuidv7().slice(-8)}`, { rewards: ['use_codes'] });
  const reader = await stack.apiKey(partnerId, { rewards: ['read'] });
  expect((await stack.call('POST', '/v1/reward-codes/validate', reader, { code })).status).toBe(403);
  expect((await stack.call('POST', '/v1/reward-codes/validate', stranger, { code })).body.code).toBe('code_not_usable');
  expect((await stack.call('POST', '/v1/reward-codes/validate', partner, { code })).body).toMatchObject({ usable: true, partner_reward_id: 'COFFEE', value: 3500 });
  const [first, second] = await Promise.all([0, 1].map(() => stack.call('POST', '/v1/reward-codes/use', partner, { code })));
  expect([first!.status, second!.status].sort()).toEqual([200, 409]);

  const mine = await stack.call('GET', `/v1/users/${user}/rewards?status=used`, me);
  expect(mine.body.data.map((r: any) => [r.code, r.status])).toEqual([[code, 'used']]);
  expect((await stack.call('GET', `/v1/users/${user}/rewards`, userHeaders('resident', uuidv7()))).status).toBe(404);
}, 120_000);

it('an admin cancels a refundable reward through the gateway and the points come back; residents may not cancel', async () => {
  const created = await stack.call('POST', '/v1/rewards', ADMIN_HEADERS, { code: `REF_${uuidv7().replace(/-/g, '').slice(-8).toUpperCase()}`, name: 'Refundable', type: 'service', points_cost: 50, refundable_on_cancel: true });
  const user = uuidv7();
  const me = userHeaders('resident', user);
  await stack.call('POST', `/v1/users/${user}/points/earn`, ADMIN_HEADERS, { points: 50, amount: 0, reason: 'e2e' });
  const redeemed = await stack.call('POST', `/v1/users/${user}/rewards`, me, { reward_id: created.body.id });
  expect(redeemed.status).toBe(201);
  const path = `/v1/users/${user}/rewards/${redeemed.body.user_reward.id}/cancel`;
  expect((await stack.call('POST', path, me, { reason: 'mine' })).status).toBe(403);
  const cancelled = await stack.call('POST', path, ADMIN_HEADERS, { reason: 'closed' });
  expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
  expect((await stack.call('GET', `/v1/wallets/${user}`, me)).body.points).toBe(50);
}, 60_000);

it('admin routes through the gateway: issue at no cost and the settings; residents get 403', async () => {
  const created = await stack.call('POST', '/v1/rewards', ADMIN_HEADERS, { code: `GIFT_${uuidv7().replace(/-/g, '').slice(-8).toUpperCase()}`, name: 'Gift', type: 'product', points_cost: 900, stock: 1, stock_reason: 'one' });
  const user = uuidv7();
  const me = userHeaders('resident', user);
  expect((await stack.call('POST', `/v1/users/${user}/rewards/issue`, me, { reward_id: created.body.id, reason: 'me' })).status).toBe(403);
  const issued = await stack.call('POST', `/v1/users/${user}/rewards/issue`, ADMIN_HEADERS, { reward_id: created.body.id, reason: 'prize' });
  expect([issued.status, issued.body.source, issued.body.status]).toEqual([201, 'admin', 'issued']);
  expect((await stack.call('GET', `/v1/users/${user}/rewards/${issued.body.id}`, me)).body.code).toBe(issued.body.code);
  expect((await stack.call('POST', `/v1/users/${uuidv7()}/rewards/issue`, ADMIN_HEADERS, { reward_id: created.body.id, reason: 'prize' })).body.code).toBe('out_of_stock');
  expect((await stack.call('GET', '/v1/rewards/settings', me)).status).toBe(403);
  const settings = await stack.call('GET', '/v1/rewards/settings', ADMIN_HEADERS);
  expect(settings.body).toMatchObject({ code_failures_per_minute: expect.any(Number), use_rollback_hours: expect.any(Number) });
  // The settings are shared with other test files on this database (admin.medium-spec changes them):
  // here only refused PUTs, which reach the rewards-service's validation through the gateway.
  const defaults = { code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: [7, 1] };
  expect((await stack.call('PUT', '/v1/rewards/settings', me, defaults)).status).toBe(403);
  const bad = await stack.call('PUT', '/v1/rewards/settings', ADMIN_HEADERS, { ...defaults, use_rollback_hours: -1 });
  expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
  expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
}, 60_000);
