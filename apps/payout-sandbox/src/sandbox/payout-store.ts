// The sandbox's payouts, in memory: idempotent creation by key, lookup by reference, and each payout's
// life on a timer (pending → processing → completed | failed, later completed → returned) or on command.
// Everything that changes state here is synchronous, so two requests never interleave inside a change.
// With a journal file (PAYOUT_SANDBOX_STATE_FILE) every creation and move is appended to it before it
// is answered or called back, and a restarted sandbox reads it back and resumes each unfinished
// payout's timeline: a provider that crashes keeps its records (the chaos suite kills it).

import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { CallbackSender } from './callbacks';
import { canonicalJson, SandboxProblem } from './http';
import type { PayoutPlan } from './faults';

export const PAYOUT_STATUSES = ['pending', 'processing', 'completed', 'failed', 'returned'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** The moves a payout can make, on the timeline or on command. */
const NEXT: Record<PayoutStatus, readonly PayoutStatus[]> = {
  pending: ['processing', 'failed'],
  processing: ['completed', 'failed'],
  completed: ['returned'],
  failed: [],
  returned: [],
};

export interface PayoutRequest {
  reference: string;
  amount: number;
  currency: string;
  method: string;
}

interface Payout extends PayoutRequest {
  id: string;
  status: PayoutStatus;
  reason_code: string | null;
  created_at: Date;
  updated_at: Date;
  history: { status: PayoutStatus; reason_code: string | null; at: Date }[];
  idempotency_key: string;
  request_hash: string;
  plan: PayoutPlan;
  timers: Set<NodeJS.Timeout>;
  /** The `processing` callback held back by an out-of-order plan. */
  held_back: PayoutView | null;
}

/** A payout as the API shows it (no destination: the sandbox does not keep it). */
export interface PayoutView {
  id: string;
  reference: string;
  amount: number;
  currency: string;
  method: string;
  status: PayoutStatus;
  reason_code: string | null;
  created_at: string;
  updated_at: string;
  history: { status: PayoutStatus; reason_code: string | null; at: string }[];
}

type JournalRecord =
  | { op: 'create'; p: PayoutRequest & { id: string; idempotency_key: string; request_hash: string; plan: PayoutPlan; created_at: string } }
  | { op: 'status'; id: string; status: PayoutStatus; reason_code: string | null; at: string };

export type CreateResult = { kind: 'created'; payout: PayoutView } | { kind: 'replayed'; payout: PayoutView };

export class PayoutStore {
  private readonly byId = new Map<string, Payout>();
  private readonly byKey = new Map<string, Payout>();
  private readonly byReference = new Map<string, Payout>();
  private closed = false;

  constructor(private readonly callbacks: CallbackSender, private readonly journal = '') {
    if (journal && existsSync(journal)) this.restore();
  }

  /** Reads the journal back: every payout as last recorded; unfinished timelines start again from their state. */
  private restore(): void {
    for (const line of readFileSync(this.journal, 'utf8').split('\n')) {
      if (!line) continue;
      let rec: JournalRecord;
      try {
        rec = JSON.parse(line) as JournalRecord;
      } catch {
        continue; // a line cut short by the crash: never answered, never called back
      }
      if (rec.op === 'create') {
        const p: Payout = { ...rec.p, created_at: new Date(rec.p.created_at), updated_at: new Date(rec.p.created_at), status: 'pending', reason_code: null, history: [{ status: 'pending', reason_code: null, at: new Date(rec.p.created_at) }], timers: new Set(), held_back: null };
        this.byId.set(p.id, p);
        this.byKey.set(p.idempotency_key, p);
        this.byReference.set(p.reference, p);
      } else {
        const p = this.byId.get(rec.id);
        if (!p) continue;
        p.status = rec.status;
        p.reason_code = rec.reason_code;
        p.updated_at = new Date(rec.at);
        p.history.push({ status: rec.status, reason_code: rec.reason_code, at: new Date(rec.at) });
      }
    }
    for (const p of this.byId.values()) {
      if (p.plan.manual) continue;
      if (p.status === 'pending') this.after(p, p.plan.processing_after_ms, () => this.advance(p, 'processing', null));
      if (p.status === 'processing') this.after(p, p.plan.settle_after_ms, () => this.advance(p, p.plan.outcome, p.plan.outcome === 'failed' ? p.plan.reason_code ?? 'declined' : null));
      if (p.status === 'completed' && p.plan.return_after_ms !== null && !p.history.some((h) => h.status === 'returned')) {
        const due = p.updated_at.getTime() + p.plan.return_after_ms - Date.now();
        this.after(p, Math.max(0, due), () => this.advance(p, 'returned', p.plan.return_reason_code));
      }
    }
  }

  private record(rec: JournalRecord): void {
    if (this.journal) appendFileSync(this.journal, `${JSON.stringify(rec)}\n`);
  }

  /** The fingerprint of a create body: same body (any key order) → same hash. */
  static hash(body: unknown): string {
    return createHash('sha256').update(canonicalJson(body)).digest('hex');
  }

  /** The payout a key already created, if any (for the replay check before anything else happens). */
  findByKey(key: string): Payout | undefined {
    return this.byKey.get(key);
  }

  /**
   * Records a payout under `key`, or returns the one the same key and body created. The same key with
   * another body is 409 `idempotency_key_reused`; another key for an existing reference is 409
   * `duplicate_reference` (one reference is paid once).
   */
  create(key: string, requestHash: string, request: PayoutRequest, plan: PayoutPlan): CreateResult {
    const existing = this.byKey.get(key);
    if (existing) {
      if (existing.request_hash !== requestHash) throw new SandboxProblem(409, 'idempotency_key_reused', 'this Idempotency-Key was used with another body');
      return { kind: 'replayed', payout: view(existing) };
    }
    if (this.byReference.has(request.reference)) throw new SandboxProblem(409, 'duplicate_reference', 'a payout with this reference exists under another Idempotency-Key');
    const now = new Date();
    const payout: Payout = {
      ...request,
      id: `po_${randomUUID().replace(/-/g, '')}`,
      status: 'pending',
      reason_code: null,
      created_at: now,
      updated_at: now,
      history: [{ status: 'pending', reason_code: null, at: now }],
      idempotency_key: key,
      request_hash: requestHash,
      plan,
      timers: new Set(),
      held_back: null,
    };
    this.record({ op: 'create', p: { id: payout.id, ...request, idempotency_key: key, request_hash: requestHash, plan, created_at: now.toISOString() } });
    this.byId.set(payout.id, payout);
    this.byKey.set(key, payout);
    this.byReference.set(payout.reference, payout);
    if (!plan.manual) this.after(payout, plan.processing_after_ms, () => this.advance(payout, 'processing', null));
    return { kind: 'created', payout: view(payout) };
  }

  get(idOrReference: string): PayoutView | undefined {
    const p = this.byId.get(idOrReference) ?? this.byReference.get(idOrReference);
    return p && view(p);
  }

  getById(id: string): PayoutView | undefined {
    const p = this.byId.get(id);
    return p && view(p);
  }

  getByReference(reference: string): PayoutView | undefined {
    const p = this.byReference.get(reference);
    return p && view(p);
  }

  /** Payouts created within `[start, end)`, oldest first. */
  createdBetween(start: Date, end: Date): PayoutView[] {
    return [...this.byId.values()].filter((p) => p.created_at >= start && p.created_at < end).sort((a, b) => a.created_at.getTime() - b.created_at.getTime()).map(view);
  }

  /** A command: moves a payout along its graph now and takes it off its timeline. */
  command(idOrReference: string, to: PayoutStatus, reasonCode: string | null): PayoutView {
    const p = this.byId.get(idOrReference) ?? this.byReference.get(idOrReference);
    if (!p) throw new SandboxProblem(404, 'payout_not_found', 'no payout with this id or reference');
    if (!NEXT[p.status].includes(to)) throw new SandboxProblem(409, 'invalid_transition', `a ${p.status} payout cannot become ${to}`);
    this.clearTimers(p);
    this.advance(p, to, reasonCode ?? (to === 'failed' ? 'declined' : to === 'returned' ? 'account_closed' : null), true);
    return view(p);
  }

  private advance(p: Payout, to: PayoutStatus, reasonCode: string | null, commanded = false): void {
    if (this.closed || !NEXT[p.status].includes(to)) return;
    const at = new Date();
    this.record({ op: 'status', id: p.id, status: to, reason_code: to === 'failed' || to === 'returned' ? reasonCode : null, at: at.toISOString() });
    p.status = to;
    p.reason_code = to === 'failed' || to === 'returned' ? reasonCode : null;
    p.updated_at = at;
    p.history.push({ status: to, reason_code: p.reason_code, at });
    this.notify(p);
    if (commanded) return;
    const plan = p.plan;
    if (to === 'processing') {
      this.after(p, plan.settle_after_ms, () => this.advance(p, plan.outcome, plan.outcome === 'failed' ? plan.reason_code ?? 'declined' : null));
    } else if (to === 'completed' && plan.return_after_ms !== null) {
      this.after(p, plan.return_after_ms, () => this.advance(p, 'returned', plan.return_reason_code));
    }
  }

  /** Sends the callback of the payout's new status, as its plan says (duplicated, held back). */
  private notify(p: Payout): void {
    const data = view(p);
    const type = `payout.${p.status}`;
    const plan = p.plan;
    if (p.status === 'processing' && plan.out_of_order_callbacks) {
      p.held_back = data;
      return;
    }
    const sendOne = (d: PayoutView, t: string): void => {
      const id = `msg_${randomUUID().replace(/-/g, '')}`;
      void this.callbacks.send(t, { ...d }, id);
      if (plan.duplicate_callbacks === 'same_id') void this.callbacks.send(t, { ...d }, id);
      if (plan.duplicate_callbacks === 'new_id') void this.callbacks.send(t, { ...d });
    };
    sendOne(data, type);
    // Out of order: the held-back "processing" goes out after the final callback.
    if (p.held_back && (p.status === 'completed' || p.status === 'failed')) {
      sendOne(p.held_back, 'payout.processing');
      p.held_back = null;
    }
  }

  private after(p: Payout, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      p.timers.delete(t);
      fn();
    }, ms);
    p.timers.add(t);
  }

  private clearTimers(p: Payout): void {
    for (const t of p.timers) clearTimeout(t);
    p.timers.clear();
  }

  /** Stops every timeline. */
  close(): void {
    this.closed = true;
    for (const p of this.byId.values()) this.clearTimers(p);
  }
}

function view(p: Payout): PayoutView {
  return {
    id: p.id,
    reference: p.reference,
    amount: p.amount,
    currency: p.currency,
    method: p.method,
    status: p.status,
    reason_code: p.reason_code,
    created_at: p.created_at.toISOString(),
    updated_at: p.updated_at.toISOString(),
    history: p.history.map((h) => ({ status: h.status, reason_code: h.reason_code, at: h.at.toISOString() })),
  };
}
