import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { JwtVerifier, parseApiKey } from '@wozamali/auth';
import { ROOT } from '@wozamali/testing';
import { DEV_JWT_SECRET } from '../../src/config/env';

const exec = promisify(execFile);
const script = path.join(ROOT, 'scripts/mint-token.js');

describe('scripts/mint-token.js (the development token command)', () => {
  it('mints a token the gateway accepts, with the given sub and role, signed with JWT_SECRET or the development secret', async () => {
    const sub = randomUUID();
    // A run directory without credentials of `npm start`, so the development default is what signs.
    const env: NodeJS.ProcessEnv = { ...process.env, WOZAMALI_RUN_DIR: '/nonexistent-wozamali-run-dir' };
    delete env.JWT_SECRET;
    const dev = (await exec(process.execPath, [script, '--sub', sub, '--role', 'collector'], { env })).stdout.trim();
    await expect(new JwtVerifier({ secret: DEV_JWT_SECRET }).verify(dev)).resolves.toEqual({ type: 'user', userId: sub, role: 'collector' });
    const secret = 'another-secret-for-the-mint-test-32-bytes';
    const custom = (await exec(process.execPath, [script, '--sub', sub, '--role', 'resident'], { env: { ...env, JWT_SECRET: secret } })).stdout.trim();
    await expect(new JwtVerifier({ secret }).verify(custom)).resolves.toMatchObject({ userId: sub, role: 'resident' });
  });

  it('refuses a sub that is not a UUID and an unknown role; --api-key prints a fresh key', async () => {
    await expect(exec(process.execPath, [script, '--sub', 'bob', '--role', 'resident'])).rejects.toMatchObject({ code: 64 });
    await expect(exec(process.execPath, [script, '--sub', randomUUID(), '--role', 'root'])).rejects.toMatchObject({ code: 64 });
    expect(parseApiKey((await exec(process.execPath, [script, '--api-key'])).stdout.trim())).not.toBeNull();
  });
});
