import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  apiKeysCreate, apiKeysRevoke, createWozaMaliClient, externalServicesHeartbeat, externalServicesRegister, externalServicesRemove,
  verifyWebhook, webhooksCreate, webhooksRemove, WebhookVerificationError, type Client, type WebhookEvent,
} from '@wozamali/sdk';

/**
 * A small notification service integrating with WozaMali Rewards through @wozamali/sdk:
 * 1. with an admin's key, gets an API key of its own (least privilege);
 * 2. registers itself in the external services registry;
 * 3. subscribes a webhook endpoint to `wallet_update` and `reward_issue`;
 * 4. verifies every delivery (Standard Webhooks signature) before acting on it, 401 otherwise;
 * 5. sends a heartbeat every `heartbeatMs`;
 * and on `stop()` removes its endpoint and registration and revokes its key.
 */
export interface PartnerOptions {
  /** The gateway, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /** An admin's API key and service id (to create the partner's own key). */
  adminKey: string;
  adminServiceId?: string;
  /** This service's id as its key will carry it. */
  serviceId?: string;
  /** Where the platform can reach this service's webhook receiver (host:port is chosen when absent). */
  publicHost?: string;
  heartbeatMs?: number;
  onEvent?: (event: WebhookEvent<'wallet_update' | 'reward_issue'>) => void;
  log?: (line: string) => void;
}

export interface RunningPartner {
  /** Verified events, in order of arrival. */
  readonly events: WebhookEvent<'wallet_update' | 'reward_issue'>[];
  /** Deliveries refused because they did not verify. */
  readonly refused: number;
  readonly heartbeats: number;
  readonly registrationId: string;
  readonly endpointId: string;
  readonly client: Client;
  stop(): Promise<void>;
}

export async function startPartner(options: PartnerOptions): Promise<RunningPartner> {
  const log = options.log ?? ((line: string) => console.log(`[partner] ${line}`));
  const serviceId = options.serviceId ?? 'notify-example';
  const admin = createWozaMaliClient({ baseUrl: options.baseUrl, apiKey: options.adminKey, serviceId: options.adminServiceId ?? 'admin' });

  // 1. A key of its own.
  const key = await apiKeysCreate({
    client: admin,
    body: { name: 'partner integration example', service_id: serviceId, permissions: { external_services: ['register', 'heartbeat', 'read', 'write'], webhooks: ['read', 'write'], wallets: ['read'] } },
    throwOnError: true,
  });
  const client = createWozaMaliClient({ baseUrl: options.baseUrl, apiKey: key.data.key, serviceId });
  log(`got API key ${key.data.id}`);

  // The webhook receiver: verify, then act.
  const state = { events: [] as WebhookEvent<'wallet_update' | 'reward_issue'>[], refused: 0, heartbeats: 0, secret: '' };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const event = verifyWebhook<'wallet_update' | 'reward_issue'>(Buffer.concat(chunks), req.headers, state.secret);
        state.events.push(event);
        options.onEvent?.(event);
        res.writeHead(204).end();
      } catch (err) {
        if (!(err instanceof WebhookVerificationError)) throw err;
        state.refused += 1;
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.publicHost ?? `127.0.0.1:${port}`}/webhooks/wozamali`;

  // 2. Registered in the registry.
  const registered = await externalServicesRegister({ client, body: { name: `${serviceId}-${port}`, type: 'notification', base_url: `http://127.0.0.1:${port}` }, throwOnError: true });
  const registrationId = (registered.data as { id: string }).id;
  log(`registered as ${registrationId}`);

  // 3. Subscribed (the signing secret is in this answer only).
  const endpoint = await webhooksCreate({ client, body: { url, events: ['wallet_update', 'reward_issue'], description: 'partner integration example', service_id: registrationId }, throwOnError: true });
  const { id: endpointId, secret } = endpoint.data as { id: string; secret: string };
  state.secret = secret;
  log(`subscribed ${url} as ${endpointId}`);

  // 5. Heartbeats.
  const beat = async () => {
    const r = await externalServicesHeartbeat({ client, path: { service_ref: registrationId } });
    if (r.response?.ok) { state.heartbeats += 1; log(`heartbeat ${state.heartbeats} ok`); }
    else log(`heartbeat failed: ${r.response?.status ?? 'network error'}`);
  };
  await beat();
  const timer = setInterval(() => { void beat(); }, options.heartbeatMs ?? 60_000);

  return {
    get events() { return state.events; },
    get refused() { return state.refused; },
    get heartbeats() { return state.heartbeats; },
    registrationId,
    endpointId,
    client,
    async stop() {
      clearInterval(timer);
      await webhooksRemove({ client, path: { id: endpointId } });
      await externalServicesRemove({ client, path: { service_ref: registrationId } });
      await apiKeysRevoke({ client: admin, path: { id: key.data.id } });
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      log('stopped: endpoint, registration and key removed');
    },
  };
}
