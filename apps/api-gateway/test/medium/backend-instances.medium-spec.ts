import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackendClient } from '../../src/proxy/backend-client';
import { GatewayException } from '../../src/errors/gateway.exception';

// Several instances of one backend behind the gateway's BackendClient, each a real local HTTP
// server: round-robin, the next instance when one refuses connections, and never a second
// instance for a request that reached the first.

interface Fake {
  server: Server;
  url: string;
  seen: string[];
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

async function fake(name: string): Promise<Fake> {
  const f: Fake = {
    server: createServer((req, res) => {
      f.seen.push(`${req.method} ${req.url}`);
      f.handle(req, res);
    }),
    url: '',
    seen: [],
    handle: (_req, res) => res.end(JSON.stringify({ instance: name })),
  };
  await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
  f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
  return f;
}

/** A port nothing listens on (bound, then closed). */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const stop = (f: Fake) => new Promise((resolve) => { f.server.closeAllConnections(); f.server.close(resolve); });

function client(rewards: string): BackendClient {
  const other = 'http://127.0.0.1:9';
  return new BackendClient({ urls: { wallet: other, rewards, donations: other, withdrawals: other, metrics: other, webhooks: other }, timeoutMs: 2000, resetMs: 60_000 });
}

const post = (path: string) => ({ method: 'POST', path, headers: { 'content-type': 'application/json', 'idempotency-key': path }, body: Buffer.from('{}') });
const instanceOf = (r: { body: Buffer }) => (JSON.parse(r.body.toString()) as { instance: string }).instance;

describe('a backend with several instances', () => {
  const fakes: Fake[] = [];
  let c: BackendClient | null = null;
  afterEach(async () => {
    c?.close();
    c = null;
    await Promise.all(fakes.splice(0).map(stop));
  });

  it('shares requests round-robin between the instances a comma-separated URL lists', async () => {
    const a = await fake('a'), b = await fake('b');
    fakes.push(a, b);
    c = client(`${a.url},${b.url}`);
    const answered: string[] = [];
    for (let i = 0; i < 6; i += 1) answered.push(instanceOf(await c.call('rewards', { method: 'GET', path: `/v1/rewards?i=${i}`, headers: {} })));
    expect(answered).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(c.instanceStates().rewards).toEqual([{ url: a.url, state: 'closed' }, { url: b.url, state: 'closed' }]);
  });

  it('an instance that refuses connections (stopped) passes the request to the next, which answers it: no 503 while one is up', async () => {
    const b = await fake('b');
    fakes.push(b);
    c = client(`${await deadUrl()},${b.url}`);
    for (let i = 0; i < 16; i += 1) expect(instanceOf(await c.call('rewards', post(`/v1/users/u/rewards?i=${i}`)))).toBe('b');
    expect(b.seen).toHaveLength(16); // each once: never twice
    // After enough refusals the dead instance's circuit opens; requests still go to the live one.
    expect(c.instanceStates().rewards!.map((i) => i.state)).toEqual(['open', 'closed']);
    expect(c.states().rewards).toBe('open');
  });

  it('a request that reached an instance and lost its answer is never sent to another: 503 (outcome unknown), the other saw nothing', async () => {
    const a = await fake('a'), b = await fake('b');
    fakes.push(a, b);
    a.handle = (req) => req.socket.destroy(); // read the request, then reset the connection
    c = client(`${a.url},${b.url}`);
    const err = await c.call('rewards', post('/v1/users/u/rewards')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayException);
    expect([(err as GatewayException).status, (err as GatewayException).code]).toEqual([503, 'service_unavailable']);
    expect(a.seen).toEqual(['POST /v1/users/u/rewards']);
    expect(b.seen).toEqual([]);
  });

  it('a timeout is 504 upstream_timeout, and the request is not sent to another instance', async () => {
    const a = await fake('a'), b = await fake('b');
    fakes.push(a, b);
    a.handle = () => undefined; // never answers
    c = new BackendClient({ urls: { wallet: a.url, rewards: `${a.url},${b.url}`, donations: a.url, withdrawals: a.url, metrics: a.url, webhooks: a.url }, timeoutMs: 300, resetMs: 60_000 });
    const err = await c.call('rewards', post('/v1/users/u/rewards')).catch((e: unknown) => e);
    expect([(err as GatewayException).status, (err as GatewayException).code]).toEqual([504, 'upstream_timeout']);
    expect(b.seen).toEqual([]);
  });

  it('no instance reachable → 503 service_unavailable', async () => {
    c = client(`${await deadUrl()},${await deadUrl()}`);
    const err = await c.call('rewards', post('/v1/users/u/rewards')).catch((e: unknown) => e);
    expect([(err as GatewayException).status, (err as GatewayException).code]).toEqual([503, 'service_unavailable']);
  });
});
