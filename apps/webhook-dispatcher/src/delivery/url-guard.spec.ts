import { classifyAddress, UrlGuard } from './url-guard';

describe('UrlGuard', () => {
  it('classifies loopback, private, link-local and public addresses (IPv4, IPv6, mapped)', () => {
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('loopback');
    for (const ip of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', 'fe80::1', 'fd00::1', '100.64.0.1']) {
      expect([ip, classifyAddress(ip)]).toEqual([ip, 'private']);
    }
    expect(classifyAddress('8.8.8.8')).toBe('public');
    expect(classifyAddress('2606:4700::1111')).toBe('public');
  });

  it('refuses loopback and private receivers by default and allows what configuration allows', () => {
    const strict = new UrlGuard({ allowLoopback: false, allowPrivate: false });
    expect(strict.refusal('http://127.0.0.1:8080/hook')).toMatch('not allowed');
    expect(strict.refusal('http://localhost/hook')).toMatch('not allowed');
    expect(strict.refusal('http://[::1]/hook')).toMatch('not allowed');
    expect(strict.refusal('http://169.254.169.254/latest/meta-data')).toMatch('not allowed');
    expect(strict.refusal('ftp://example.com/x')).toMatch('only http and https');
    expect(strict.refusal('https://user:pw@example.com/x')).toMatch('credentials');
    expect(strict.refusal('https://hooks.example.com/wozamali')).toBeNull();
    const tests = new UrlGuard({ allowLoopback: true, allowPrivate: false });
    expect(tests.refusal('http://127.0.0.1:8080/hook')).toBeNull();
    expect(tests.refusal('http://10.0.0.5/hook')).toMatch('not allowed');
  });

  it('refuses a name that resolves to a refused address at send time', async () => {
    const strict = new UrlGuard({ allowLoopback: false, allowPrivate: false });
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => strict.lookup('localhost', {}, (e) => resolve(e)));
    expect(err?.message).toMatch('not allowed');
  });
});
