import fc from 'fast-check';
import {
  type Actor,
  applyProviderStatus,
  checkTransition,
  classifySendAnswer,
  decideApproval,
  DEFAULT_APPROVAL_RULE,
  DEFAULT_TIMINGS,
  FINAL_STATUSES,
  hasExpired,
  needsReview,
  nextPollAt,
  OPEN_STATUSES,
  PROVIDER_STATUSES,
  type ProviderStatus,
  TRANSITIONS,
  type WalletStep,
  walletKey,
  walletStepOf,
  WITHDRAWAL_STATUSES,
  type WithdrawalStatus,
} from './withdrawal-state';

const ACTORS: Actor[] = ['system', 'resident', 'admin', 'provider'];
const status = fc.constantFrom(...WITHDRAWAL_STATUSES);
const actor = fc.constantFrom(...ACTORS);
const reported = fc.constantFrom(...PROVIDER_STATUSES);

/**
 * A random history: at each step someone tries either some status at random, or one of the moves the
 * graph allows from where the withdrawal is (by an actor allowed to make it, or by anyone), so that
 * histories go deep; the guard decides, as in the service.
 */
const walk = fc.array(fc.record({ pick: fc.nat(), kind: fc.constantFrom('random', 'edge', 'edge', 'edge_any_actor'), to: status, by: actor }), { maxLength: 40 });

function run(picks: readonly { pick: number; kind: string; to: WithdrawalStatus; by: Actor }[]): { path: WithdrawalStatus[]; steps: WalletStep[] } {
  let current: WithdrawalStatus = 'requested';
  const path: WithdrawalStatus[] = [current];
  const steps: WalletStep[] = [];
  for (const p of picks) {
    const out = TRANSITIONS.filter((t) => t.from === current);
    const edge = out.length > 0 && p.kind !== 'random' ? out[p.pick % out.length] : undefined;
    const to = edge ? edge.to : p.to;
    const by = edge && p.kind === 'edge' ? edge.actors[p.pick % edge.actors.length] : p.by;
    const r = checkTransition(current, to, by);
    if (!r.ok) continue;
    if (r.rule.wallet !== 'none') steps.push(r.rule.wallet);
    current = to;
    path.push(current);
  }
  return { path, steps };
}

/** A provider's reports, applied as the service would: only forward moves along the allowed graph. */
function applyReports(start: WithdrawalStatus, reports: readonly ProviderStatus[]): { final: WithdrawalStatus; steps: WalletStep[] } {
  let current = start;
  const steps: WalletStep[] = [];
  for (const r of reports) {
    const u = applyProviderStatus(current, r);
    if (u.kind === 'ignore') continue;
    for (const to of u.path) {
      const t = checkTransition(current, to, 'provider');
      if (!t.ok) throw new Error(`provider path ${current} → ${to} is not an allowed transition`);
      if (t.rule.wallet !== 'none') steps.push(t.rule.wallet);
      current = to;
    }
  }
  return { final: current, steps };
}

describe('withdrawal statuses and transitions', () => {
  it('the graph is exactly the one issue 10 lists', () => {
    const edges = TRANSITIONS.map((t) => `${t.from}>${t.to}`).sort();
    expect(edges).toEqual(
      [
        'requested>pending', 'requested>failed',
        'pending>in_review', 'in_review>pending',
        'pending>approved', 'approved>processing', 'processing>completed', 'processing>failed',
        'pending>rejected', 'pending>cancelled', 'pending>expired',
        'in_review>rejected', 'in_review>cancelled', 'in_review>expired',
        'completed>returned',
        'processing>needs_review', 'needs_review>processing', 'needs_review>completed', 'needs_review>failed',
      ].sort(),
    );
  });

  it('money moves at the right steps: hold at pending, post at completed, void at failed/rejected/cancelled/expired, credit back at returned', () => {
    expect(walletStepOf('requested', 'pending')).toBe('hold');
    expect(walletStepOf('processing', 'completed')).toBe('post');
    expect(walletStepOf('needs_review', 'completed')).toBe('post');
    for (const to of ['rejected', 'cancelled', 'expired'] as const) {
      expect(walletStepOf('pending', to)).toBe('void');
      expect(walletStepOf('in_review', to)).toBe('void');
    }
    expect(walletStepOf('processing', 'failed')).toBe('void');
    expect(walletStepOf('needs_review', 'failed')).toBe('void');
    expect(walletStepOf('completed', 'returned')).toBe('credit_back');
    // The wallet refused the hold: nothing was held, so nothing is voided.
    expect(walletStepOf('requested', 'failed')).toBe('none');
    for (const t of TRANSITIONS) {
      if (t.to === 'pending' && t.from === 'in_review') expect(t.wallet).toBe('none');
    }
  });

  it('each wallet step of a withdrawal has its own key, the same every time', () => {
    const id = '0193a0c4-0000-7000-8000-000000000001';
    const keys = (['hold', 'post', 'void', 'credit_back'] as const).map((s) => walletKey(id, s));
    expect(new Set(keys).size).toBe(4);
    expect(walletKey(id, 'hold')).toBe(walletKey(id, 'hold'));
    for (const k of keys) expect(k).toMatch(/^[\x21-\x7e]{1,255}$/);
  });

  it('a withdrawal is approved or rejected once, never both', () => {
    fc.assert(
      fc.property(walk, (picks) => {
        const { path } = run(picks);
        const approved = path.filter((s) => s === 'approved').length;
        const rejected = path.filter((s) => s === 'rejected').length;
        expect(approved).toBeLessThanOrEqual(1);
        expect(rejected).toBeLessThanOrEqual(1);
        expect(approved + rejected).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });

  it('whatever is attempted in whatever order, the hold is placed at most once and then posted or voided at most once, and a credit back only follows a post', () => {
    fc.assert(
      fc.property(walk, (picks) => {
        const { steps } = run(picks);
        const count = (s: WalletStep) => steps.filter((x) => x === s).length;
        expect(count('hold')).toBeLessThanOrEqual(1);
        expect(count('post') + count('void')).toBeLessThanOrEqual(count('hold'));
        expect(count('credit_back')).toBeLessThanOrEqual(count('post'));
        if (steps.length > 0) expect(steps[0]).toBe('hold');
      }),
      { numRuns: 1000 },
    );
  });

  it('nothing leaves a final status except completed → returned', () => {
    for (const t of TRANSITIONS) {
      if (FINAL_STATUSES.includes(t.from)) expect(`${t.from}>${t.to}`).toBe('completed>returned');
    }
  });

  it('a move not in the graph is invalid_transition; a move by the wrong actor is forbidden', () => {
    expect(checkTransition('approved', 'cancelled', 'resident')).toEqual({ ok: false, code: 'invalid_transition' });
    expect(checkTransition('completed', 'failed', 'provider')).toEqual({ ok: false, code: 'invalid_transition' });
    expect(checkTransition('processing', 'pending', 'admin')).toEqual({ ok: false, code: 'invalid_transition' });
    expect(checkTransition('pending', 'approved', 'resident')).toEqual({ ok: false, code: 'forbidden' });
    expect(checkTransition('processing', 'completed', 'resident')).toEqual({ ok: false, code: 'forbidden' });
    expect(checkTransition('pending', 'cancelled', 'resident').ok).toBe(true);
  });

  it('a resident can cancel only before approval', () => {
    for (const s of WITHDRAWAL_STATUSES) {
      expect(checkTransition(s, 'cancelled', 'resident').ok).toBe(s === 'pending' || s === 'in_review');
    }
  });

  it('the open statuses are exactly those not final', () => {
    expect([...OPEN_STATUSES, ...FINAL_STATUSES].sort()).toEqual([...WITHDRAWAL_STATUSES].sort());
    for (const s of OPEN_STATUSES) expect(FINAL_STATUSES).not.toContain(s);
  });
});

describe('payout answers: doubt is not failure', () => {
  it('a timeout, a reset or a 5xx never voids the hold: the payout stays processing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant('timeout' as const), fc.constant('network_error' as const), fc.integer({ min: 500, max: 599 }), fc.constantFrom(408, 409, 429)), (answer) => {
        expect(classifySendAnswer(answer)).toBe('unknown');
      }),
    );
    // The only moves out of processing that void are the provider's definitive failure.
    const voiding = TRANSITIONS.filter((t) => (t.from === 'processing' || t.from === 'needs_review') && t.wallet === 'void');
    expect(voiding.map((t) => t.to)).toEqual(['failed', 'failed']);
    for (const t of voiding) expect(t.actors).not.toContain('system');
  });

  it('a 2xx is accepted; a 400 or 422 means nothing was created', () => {
    expect(classifySendAnswer(201)).toBe('accepted');
    expect(classifySendAnswer(200)).toBe('accepted');
    expect(classifySendAnswer(400)).toBe('refused');
    expect(classifySendAnswer(422)).toBe('refused');
    expect(classifySendAnswer(404)).toBe('unknown');
  });

  it('after 24 h of doubt the payout goes to a person, with its hold in place', () => {
    const sent = new Date('2026-11-30T10:00:00Z');
    expect(needsReview(DEFAULT_TIMINGS, 'processing', sent, new Date('2026-12-01T09:59:59Z'))).toBe(false);
    expect(needsReview(DEFAULT_TIMINGS, 'processing', sent, new Date('2026-12-01T10:00:00Z'))).toBe(true);
    expect(needsReview(DEFAULT_TIMINGS, 'completed', sent, new Date('2026-12-05T10:00:00Z'))).toBe(false);
    expect(walletStepOf('processing', 'needs_review')).toBe('none');
  });

  it('the worker polls every minute for 15 minutes, then every 15 minutes', () => {
    const sent = new Date('2026-11-30T10:00:00Z');
    expect(nextPollAt(DEFAULT_TIMINGS, sent, sent).toISOString()).toBe('2026-11-30T10:01:00.000Z');
    expect(nextPollAt(DEFAULT_TIMINGS, sent, new Date('2026-11-30T10:14:00Z')).toISOString()).toBe('2026-11-30T10:15:00.000Z');
    expect(nextPollAt(DEFAULT_TIMINGS, sent, new Date('2026-11-30T10:15:00Z')).toISOString()).toBe('2026-11-30T10:30:00.000Z');
  });

  it('an undecided request expires after 7 days; a decided one never', () => {
    const since = new Date('2026-11-01T00:00:00Z');
    expect(hasExpired(DEFAULT_TIMINGS, 'pending', since, new Date('2026-11-07T23:59:59Z'))).toBe(false);
    expect(hasExpired(DEFAULT_TIMINGS, 'pending', since, new Date('2026-11-08T00:00:00Z'))).toBe(true);
    expect(hasExpired(DEFAULT_TIMINGS, 'in_review', since, new Date('2026-11-08T00:00:00Z'))).toBe(true);
    expect(hasExpired(DEFAULT_TIMINGS, 'approved', since, new Date('2026-12-08T00:00:00Z'))).toBe(false);
  });
});

describe('provider reports: statuses only move forward', () => {
  it('a late or out-of-order processing after completed is ignored; after completed only a return counts', () => {
    expect(applyProviderStatus('completed', 'processing')).toEqual({ kind: 'ignore', reason: 'not_forward' });
    expect(applyProviderStatus('completed', 'pending')).toEqual({ kind: 'ignore', reason: 'not_forward' });
    expect(applyProviderStatus('completed', 'completed')).toEqual({ kind: 'ignore', reason: 'already' });
    expect(applyProviderStatus('completed', 'failed')).toEqual({ kind: 'ignore', reason: 'conflict' });
    expect(applyProviderStatus('completed', 'returned')).toEqual({ kind: 'advance', path: ['returned'] });
  });

  it('a return reported while we still wait means it completed first: post, then credit back', () => {
    expect(applyProviderStatus('processing', 'returned')).toEqual({ kind: 'advance', path: ['completed', 'returned'] });
    expect(applyProviderStatus('needs_review', 'completed')).toEqual({ kind: 'advance', path: ['completed'] });
  });

  it('a report about a payout never sent changes nothing', () => {
    for (const s of ['requested', 'pending', 'in_review', 'approved', 'rejected', 'cancelled', 'expired'] as const) {
      for (const r of PROVIDER_STATUSES) expect(applyProviderStatus(s, r)).toEqual({ kind: 'ignore', reason: 'not_sent' });
    }
  });

  it('any sequence of reports, duplicated and reordered, posts at most once, voids at most once, never both, and credits back only after a post', () => {
    fc.assert(
      fc.property(fc.constantFrom<WithdrawalStatus>('processing', 'needs_review'), fc.array(reported, { maxLength: 30 }), (start, reports) => {
        const { final, steps } = applyReports(start, reports);
        const count = (s: WalletStep) => steps.filter((x) => x === s).length;
        expect(count('post')).toBeLessThanOrEqual(1);
        expect(count('void')).toBeLessThanOrEqual(1);
        expect(count('post') + count('void')).toBeLessThanOrEqual(1);
        expect(count('credit_back')).toBeLessThanOrEqual(count('post'));
        // The first final report decides; later ones never undo it.
        const firstFinal = reports.find((r) => r === 'completed' || r === 'failed' || r === 'returned');
        if (firstFinal === 'failed') expect(final).toBe('failed');
        if (firstFinal === 'completed' || firstFinal === 'returned') expect(['completed', 'returned']).toContain(final);
        if (firstFinal === undefined) expect(final).toBe(start);
      }),
      { numRuns: 1000 },
    );
  });

  it('the same report twice has the effect of once', () => {
    fc.assert(
      fc.property(fc.array(reported, { maxLength: 20 }), (reports) => {
        const doubled = reports.flatMap((r) => [r, r]);
        expect(applyReports('processing', doubled)).toEqual(applyReports('processing', reports));
      }),
    );
  });
});

describe('approval: four eyes as data', () => {
  const base = { status: 'pending' as const, user_id: 'resident-1', requested_by: 'resident-1', approvals: [] as string[] };

  it('the approver is never the requester nor the resident', () => {
    expect(decideApproval(DEFAULT_APPROVAL_RULE, { ...base, amount: 10_000 }, 'resident-1')).toEqual({ outcome: 'refused', code: 'self_approval' });
    const byAdmin = { ...base, amount: 10_000, requested_by: 'admin-1' };
    expect(decideApproval(DEFAULT_APPROVAL_RULE, byAdmin, 'admin-1')).toEqual({ outcome: 'refused', code: 'self_approval' });
    expect(decideApproval(DEFAULT_APPROVAL_RULE, byAdmin, 'admin-2')).toEqual({ outcome: 'approved' });
  });

  it('below R2,000 one admin approves; at or above it, one approval waits for a second, different admin', () => {
    expect(decideApproval(DEFAULT_APPROVAL_RULE, { ...base, amount: 199_999 }, 'admin-1')).toEqual({ outcome: 'approved' });
    expect(decideApproval(DEFAULT_APPROVAL_RULE, { ...base, amount: 200_000 }, 'admin-1')).toEqual({ outcome: 'awaiting_second_approval' });
    const once = { ...base, amount: 200_000, approvals: ['admin-1'] };
    expect(decideApproval(DEFAULT_APPROVAL_RULE, once, 'admin-1')).toEqual({ outcome: 'refused', code: 'already_approved_by_you' });
    expect(decideApproval(DEFAULT_APPROVAL_RULE, once, 'admin-2')).toEqual({ outcome: 'approved' });
  });

  it('the threshold is data', () => {
    expect(decideApproval({ two_approvals_from: 50_000 }, { ...base, amount: 50_000 }, 'admin-1')).toEqual({ outcome: 'awaiting_second_approval' });
  });

  it('only a pending request can be approved', () => {
    for (const s of WITHDRAWAL_STATUSES.filter((x) => x !== 'pending')) {
      expect(decideApproval(DEFAULT_APPROVAL_RULE, { ...base, status: s, amount: 10_000 }, 'admin-1')).toEqual({ outcome: 'refused', code: 'invalid_transition' });
    }
  });

  it('however admins take turns, it is approved only once enough different admins, none of them the requester, have approved', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(fc.constantFrom('resident-1', 'admin-1', 'admin-2', 'admin-3'), { maxLength: 10 }), (amount, turns) => {
        const approvals: string[] = [];
        let approved = false;
        for (const who of turns) {
          const d = decideApproval(DEFAULT_APPROVAL_RULE, { ...base, status: approved ? 'approved' : 'pending', amount, approvals }, who);
          if (d.outcome === 'refused') continue;
          approvals.push(who);
          if (d.outcome === 'approved') approved = true;
        }
        expect(approvals).not.toContain('resident-1');
        expect(new Set(approvals).size).toBe(approvals.length);
        if (approved) expect(approvals.length).toBe(amount >= 200_000 ? 2 : 1);
      }),
    );
  });
});
