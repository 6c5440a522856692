import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One callback as received: verified with the `standardwebhooks` library, or not. */
export interface ReceivedCallback {
  webhookId: string;
  verified: boolean;
  /** What the receiver answered. */
  answered: number;
  headers: IncomingHttpHeaders;
  body: { id: string; type: string; timestamp: string; data: Record<string, any> } | null;
  at: number;
}

/**
 * A real local HTTP server standing for the withdrawals service's callback route: it verifies each
 * request's Standard Webhooks signature with the `standardwebhooks` library (401 when it does not
 * verify) and answers what `answer` says for verified ones.
 */
export class CallbackReceiver {
  private server: Server | null = null;
  readonly received: ReceivedCallback[] = [];

  constructor(
    private readonly secret: string,
    public answer: (callback: { webhookId: string; attempt: number }) => number = () => 204,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const webhookId = String(req.headers['webhook-id'] ?? '');
        let verified = false;
        let body: ReceivedCallback['body'] = null;
        try {
          body = new Webhook(this.secret).verify(raw, req.headers as Record<string, string>) as ReceivedCallback['body'];
          verified = true;
        } catch {
          verified = false;
        }
        const attempt = this.received.filter((r) => r.webhookId === webhookId).length + 1;
        const answered = verified ? this.answer({ webhookId, attempt }) : 401;
        this.received.push({ webhookId, verified, answered, headers: req.headers, body, at: Date.now() });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callbacks/payouts`;
  }

  /** Verified callbacks the receiver accepted (2xx), in arrival order. */
  accepted(reference?: string): ReceivedCallback[] {
    return this.received.filter((r) => r.verified && r.answered < 300 && (reference === undefined || r.body?.data.reference === reference));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}
