import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookReceiver } from './webhook-receiver';

const secret = `whsec_${randomBytes(24).toString('base64')}`;

function signed(id: string, body: unknown, key = secret): { headers: Record<string, string>; body: string } {
  const raw = JSON.stringify(body);
  const at = new Date();
  return {
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(key).sign(id, at, raw) },
    body: raw,
  };
}

const payload = (id: string) => ({ id, type: 'wallet_update', timestamp: new Date().toISOString(), data: { n: 1 } });

describe('WebhookReceiver', () => {
  let receiver: WebhookReceiver;
  afterEach(() => receiver.stop());

  it('accepts a correctly signed webhook once, counts a second receipt as a duplicate, and refuses a bad signature with 401', async () => {
    receiver = new WebhookReceiver();
    receiver.useSecrets(secret);
    const url = await receiver.start();
    const ok = signed('msg_1', payload('msg_1'));
    expect((await fetch(url, { method: 'POST', ...ok })).status).toBe(200);
    expect((await fetch(url, { method: 'POST', ...ok })).status).toBe(200);
    const forged = signed('msg_2', payload('msg_2'), `whsec_${randomBytes(24).toString('base64')}`);
    expect((await fetch(url, { method: 'POST', ...forged })).status).toBe(401);
    expect([...receiver.accepted.keys()]).toEqual(['msg_1']);
    expect(receiver.accepted.get('msg_1')!.body).toEqual(JSON.parse(ok.body));
    expect(receiver.duplicates).toBe(1);
    expect(receiver.requests).toEqual([
      { id: 'msg_1', status: 200, verified: true },
      { id: 'msg_1', status: 200, verified: true },
      { id: 'msg_2', status: 401, verified: false },
    ]);
  });

  it('answers as its behaviour says: 500 on the first attempt, after a delay, or never', async () => {
    receiver = new WebhookReceiver(({ id, attempt }) => (id === 'hang' ? { status: 200, hang: true } : attempt === 1 ? { status: 500 } : { status: 204, delayMs: 150 }));
    receiver.useSecrets(secret);
    const url = await receiver.start();
    const first = signed('msg_3', payload('msg_3'));
    expect((await fetch(url, { method: 'POST', ...first })).status).toBe(500);
    const started = Date.now();
    expect((await fetch(url, { method: 'POST', ...first })).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(receiver.attemptsById.get('msg_3')).toBe(2);

    const hung = fetch(url, { method: 'POST', ...signed('hang', payload('hang')), signal: AbortSignal.timeout(300) });
    await expect(hung).rejects.toThrow();
    expect(receiver.accepted.has('hang')).toBe(false);
  });
});
