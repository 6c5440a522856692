import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One webhook a receiver accepted. */
export interface ReceivedWebhook {
  /** Its `webhook-id` (the event id). */
  id: string;
  headers: IncomingHttpHeaders;
  body: { id: string; type: string; timestamp: string; data: Record<string, unknown> };
  /** When it was accepted (epoch ms). */
  at: number;
}

/**
 * What the receiver answers to one verified request: a status (and headers, body), optionally after
 * `delayMs`; `hang: true` never answers (the sender's timeout must fire).
 */
export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  hang?: boolean;
}

/** Chooses the answer to a request from its `webhook-id` and how many times that id has come. */
export type ReceiverBehaviour = (req: { id: string; attempt: number }) => ReceiverAnswer;

/**
 * A real HTTP webhook receiver on 127.0.0.1, as a subscriber would write it: it verifies every
 * request with the `standardwebhooks` library against the secrets it was given (401 when none
 * verifies) and dedupes on `webhook-id`. `behaviour` may answer 500, wait, or hang.
 */
export class WebhookReceiver {
  private server: Server | null = null;
  private secrets: string[] = [];
  private readonly hanging = new Set<ServerResponse>();
  /** Every request, verified or not, in the order answered (hanging ones when they were cut). */
  readonly requests: { id: string; status: number; verified: boolean }[] = [];
  /** First successful (2xx) receipt of each webhook-id. */
  readonly accepted = new Map<string, ReceivedWebhook>();
  /** Successful receipts of an already accepted webhook-id (at-least-once duplicates). */
  duplicates = 0;
  /** Requests per webhook-id, verified or not. */
  readonly attemptsById = new Map<string, number>();
  /** Requests received and not answered yet. */
  inFlight = 0;

  constructor(public behaviour: ReceiverBehaviour = () => ({ status: 200 })) {}

  /** The secrets the receiver accepts (`whsec_…`; any one verifying is enough). */
  useSecrets(...secrets: string[]): void {
    this.secrets = secrets;
  }

  /** Starts listening on a free port; returns the URL to subscribe (`http://127.0.0.1:<port>/hooks`). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id'] ?? '');
        const attempt = (this.attemptsById.get(id) ?? 0) + 1;
        this.attemptsById.set(id, attempt);
        const verified = this.verify(raw, req.headers);
        const answer: ReceiverAnswer = verified ? this.behaviour({ id, attempt }) : { status: 401, body: 'bad signature' };
        this.inFlight += 1;
        if (answer.hang) {
          this.hanging.add(res);
          res.on('close', () => {
            if (!this.hanging.delete(res)) return;
            this.inFlight -= 1;
            this.requests.push({ id, status: 0, verified });
          });
          return;
        }
        setTimeout(() => {
          this.inFlight -= 1;
          if (res.destroyed) return;
          this.requests.push({ id, status: answer.status, verified });
          if (verified && answer.status >= 200 && answer.status < 300) {
            if (this.accepted.has(id)) this.duplicates += 1;
            else this.accepted.set(id, { id, headers: req.headers, body: JSON.parse(raw) as ReceivedWebhook['body'], at: Date.now() });
          }
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
          res.end(answer.body ?? (answer.status < 300 ? 'ok' : `failing with ${answer.status}`));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Stops listening and cuts every open connection (hanging requests included). */
  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private verify(raw: string, headers: IncomingHttpHeaders): boolean {
    return this.secrets.some((secret) => {
      try {
        new Webhook(secret).verify(raw, headers as Record<string, string>);
        return true;
      } catch {
        return false;
      }
    });
  }
}
