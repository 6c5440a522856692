import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpSender } from '../../src/delivery/http-sender';
import { UrlGuard } from '../../src/delivery/url-guard';

// The outbound HTTP port against real local servers.
let server: Server;
let base: string;
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits += 1;
    if (req.url === '/hang') return; // never answers
    if (req.url === '/endless') {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'.repeat(4096)), 5);
      res.on('close', () => clearInterval(timer));
      return;
    }
    req.resume();
    req.on('end', () => res.writeHead(503, { 'retry-after': '7' }).end('busy'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('HttpSender', () => {
  const allowing = new HttpSender({ timeoutMs: 300, maxSocketsPerHost: 4, guard: new UrlGuard({ allowLoopback: true, allowPrivate: false }) });
  afterAll(() => allowing.destroy());

  it('a receiver that does not answer in time is a failure at the timeout', async () => {
    const result = await allowing.post(`${base}/hang`, {}, '{}');
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/timed out after 300 ms/);
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('the status decides: a 200 with an endless body succeeds, read only up to the bounded snippet', async () => {
    const result = await allowing.post(`${base}/endless`, {}, '{}');
    expect(result.statusCode).toBe(200);
    expect(result.error).toBeNull();
    expect(result.snippet!.length).toBeLessThanOrEqual(1024);
  });

  it('reports the status, the snippet and Retry-After of a refusal', async () => {
    expect(await allowing.post(`${base}/busy`, {}, '{}')).toMatchObject({ statusCode: 503, snippet: 'busy', retryAfter: '7', error: null });
  });

  it('a refused connection is a failure with its error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect((await allowing.post(`http://127.0.0.1:${port}/`, {}, '{}')).error).toMatch(/ECONNREFUSED/);
  });

  it('loopback receivers are refused unless configuration allows them, by address and by name, before any byte is sent', async () => {
    const strict = new HttpSender({ timeoutMs: 300, maxSocketsPerHost: 4, guard: new UrlGuard({ allowLoopback: false, allowPrivate: false }) });
    const before = hits;
    expect((await strict.post(`${base}/busy`, {}, '{}')).error).toMatch('not allowed');
    expect((await strict.post(base.replace('127.0.0.1', 'localhost') + '/busy', {}, '{}')).error).toMatch('not allowed');
    expect(hits).toBe(before);
    strict.destroy();
  });
});
