import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  body: { id: string; type: string; timestamp: string; data: Record<string, unknown> };
  at: number;
}

/** What the receiver answers to one request: a status (and headers), optionally after a delay. */
export type Behaviour = (req: { id: string; attempt: number }) => { status: number; headers?: Record<string, string>; delayMs?: number; body?: string };

/**
 * A real HTTP receiver, as a subscriber would write it: it verifies every request with the
 * `standardwebhooks` library and dedupes on `webhook-id`. `accepted` holds each event once.
 */
export class TestReceiver {
  private server: Server | null = null;
  private secrets: string[] = [];
  /** Every request, verified or not. */
  readonly requests: { id: string; status: number; verified: boolean }[] = [];
  /** First successful receipt of each webhook-id. */
  readonly accepted = new Map<string, Received>();
  /** Successful receipts of an already accepted webhook-id (at-least-once duplicates). */
  duplicates = 0;
  readonly attemptsById = new Map<string, number>();
  inFlight = 0;

  constructor(public behaviour: Behaviour = () => ({ status: 200 })) {}

  /** The secrets the receiver accepts (any one verifying is enough). */
  useSecrets(...secrets: string[]): void {
    this.secrets = secrets;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id'] ?? '');
        const attempt = (this.attemptsById.get(id) ?? 0) + 1;
        this.attemptsById.set(id, attempt);
        const verified = this.secrets.some((s) => {
          try {
            new Webhook(s).verify(raw, req.headers as Record<string, string>);
            return true;
          } catch {
            return false;
          }
        });
        const answer = verified ? this.behaviour({ id, attempt }) : { status: 401, body: 'bad signature' };
        this.inFlight += 1;
        setTimeout(() => {
          this.inFlight -= 1;
          if (res.destroyed) return;
          this.requests.push({ id, status: answer.status, verified });
          if (verified && answer.status >= 200 && answer.status < 300) {
            if (this.accepted.has(id)) this.duplicates += 1;
            else this.accepted.set(id, { id, headers: req.headers, body: JSON.parse(raw) as Received['body'], at: Date.now() });
          }
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
          res.end(answer.body ?? (answer.status < 300 ? 'ok' : `failing with ${answer.status}`));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}
