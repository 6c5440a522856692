// Sign-in with an admin API key (+ X-Service-ID) or an admin token, kept in this tab's sessionStorage only.
import type { AuthProvider } from 'react-admin';
import { api, clearCredentials, loadCredentials, saveCredentials, whoAmI, type Credentials } from './api';

export interface LoginParams {
  kind: 'api_key' | 'token';
  key?: string;
  serviceId?: string;
  token?: string;
}

export const authProvider: AuthProvider = {
  async login(params: LoginParams) {
    const creds: Credentials = params.kind === 'token'
      ? { kind: 'token', token: (params.token ?? '').trim() }
      : { kind: 'api_key', key: (params.key ?? '').trim(), serviceId: (params.serviceId ?? '').trim() };
    // Admins only: the API-key listing needs api_keys:manage, which only an admin holds.
    await api('/v1/api-keys', { credentials: creds });
    saveCredentials(creds);
  },
  async logout() {
    clearCredentials();
  },
  async checkAuth() {
    if (!loadCredentials()) throw new Error('Please sign in');
  },
  async checkError(error: { status?: number }) {
    if (error?.status === 401) {
      clearCredentials();
      throw new Error('Your credentials were refused; please sign in again');
    }
  },
  async getIdentity() {
    const c = loadCredentials();
    if (!c) throw new Error('not signed in');
    if (c.kind === 'api_key') return { id: c.serviceId, fullName: `API key (${c.serviceId})` };
    const me = whoAmI(c);
    return { id: me?.id ?? 'token', fullName: me ? `Admin ${me.id.slice(0, 8)}` : 'Admin token' };
  },
  async getPermissions() {
    return 'admin';
  },
};
