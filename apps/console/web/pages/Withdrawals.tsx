// The withdrawals queue: every request with filters by status and method; approve / reject (and send a
// payout in review back to the worker) in a dialog with a required note, the amount and the masked
// destination; the four-eyes rules shown before the API refuses (never one's own request; from the
// threshold two different admins); a 409 names who decided first.
import { createContext, useContext, useEffect, useState, type FormEvent } from 'react';
import {
  Datagrid, FunctionField, List, SelectInput, Show, SimpleShowLayout, TextField, useDataProvider, useRecordContext, useRefresh, type RaRecord,
} from 'react-admin';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Table, TableBody, TableCell, TableHead, TableRow, TextField as MuiTextField, Typography } from '@mui/material';
import { api, whoAmI } from '../api';
import type { ConsoleActions } from '../dataProvider';
import { formatMoney, formatTime } from '../format';

export interface Withdrawal extends RaRecord {
  user_id: string; amount: number; currency: string; method: string; status: string; destination: Record<string, string>;
  hold_id: string | null; approvals: string[]; failure_code: string | null; requested_by: string; created_at: string; updated_at: string;
}
interface History { from: string | null; to: string; action: string; actor: string; note: string | null; reason: string | null; transfer_id: string | null; at: string }
interface Limits { two_approvals_from: number }

export const WITHDRAWAL_STATUSES = ['requested', 'pending', 'in_review', 'approved', 'processing', 'needs_review', 'completed', 'failed', 'rejected', 'cancelled', 'expired', 'returned'];
const METHODS = ['bank_transfer', 'mobile_money', 'paypal', 'crypto'];
const DECIDABLE = ['pending', 'in_review'];
/** A status, method or action as words (`needs_review` → `needs review`). */
export const label = (s: string) => s.replace(/_/g, ' ');

/** The approval threshold (from `GET /v1/withdrawals/limits`), shared by the rows of a list. */
export const LimitsContext = createContext<Limits | null>(null);

export function useLimits(): Limits | null {
  const [limits, setLimits] = useState<Limits | null>(null);
  useEffect(() => {
    let live = true;
    api<Limits>('/v1/withdrawals/limits').then((l) => live && setLimits(l), () => live && setLimits(null));
    return () => { live = false; };
  }, []);
  return limits;
}

export const maskedDestination = (d: Record<string, string> | null | undefined) => Object.entries(d ?? {}).map(([k, v]) => `${label(k)}: ${v}`).join(', ') || '—';

/** Why the signed-in admin may not approve this request (shown beside the disabled button), or null. */
export function whyNotApprove(w: Withdrawal): string | null {
  const me = whoAmI();
  if (!me?.person) return 'Decisions need an admin token (a person); an API key may only look';
  if (me.id === w.user_id.toLowerCase() || me.id === w.requested_by.toLowerCase()) return 'Your own request: another admin must approve it';
  if (w.approvals.map((a) => a.toLowerCase()).includes(me.id)) return 'You approved it already: a second admin must approve';
  return null;
}

/** "needs a second approver" from the threshold up, with how many approvals it has. */
function approvalsNote(w: Withdrawal, limits: Limits | null): string | null {
  if (!limits || w.amount < limits.two_approvals_from) return null;
  if (!DECIDABLE.includes(w.status)) return null;
  return w.approvals.length === 0 ? `Above ${formatMoney(limits.two_approvals_from)}: needs two approvers` : `Needs a second approver (${w.approvals.length} of 2)`;
}

type Decision = 'approve' | 'reject' | 'retry-payout';
const VERB: Record<Decision, string> = { approve: 'Approve', reject: 'Reject', 'retry-payout': 'Retry payout' };

/** The latest decision someone else recorded, to say who decided first on a 409. */
async function whoDecided(id: string): Promise<string> {
  const w = await api<Withdrawal & { history: History[] }>(`/v1/withdrawals/${encodeURIComponent(id)}`);
  const last = [...w.history].reverse().find((h) => h.actor !== 'system' && h.action !== 'request' && h.action !== 'hold');
  if (!last) return `It is ${label(w.status)} now.`;
  return `Decided first, now ${label(w.status)}: ${label(last.action)} by ${last.actor} at ${formatTime(last.at)}${last.note ? ` (“${last.note}”)` : ''}.`;
}

export function DecisionDialog({ record, decision, onClose }: { record: Withdrawal; decision: Decision | null; onClose: () => void }) {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const refresh = useRefresh();
  const limits = useContext(LimitsContext);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [touched, setTouched] = useState(false);
  const blank = note.trim() === '';
  // After a refusal the list is refreshed only when the dialog closes (the message stays readable).
  const close = () => { if (error) refresh(); setNote(''); setError(null); setConflict(null); setTouched(false); onClose(); };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (blank || !decision) return;
    setBusy(true);
    setError(null);
    try {
      await dp.decideWithdrawal(String(record.id), decision, note.trim());
      refresh();
      close();
    } catch (err) {
      const status = (err as { status?: number }).status;
      // A conflict: someone decided first; say who (from the withdrawal's history), with the API's message.
      const who = status === 409 ? await whoDecided(String(record.id)).catch(() => null) : null;
      setConflict(who);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const titleId = `decide-${record.id}-title`;
  const need = approvalsNote(record, limits);
  return (
    <Dialog open={decision !== null} onClose={close} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle id={titleId}>{decision ? VERB[decision] : ''} withdrawal of {formatMoney(record.amount)}</DialogTitle>
        <DialogContent>
          <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0, '& dt': { fontWeight: 500 }, '& dd': { m: 0, overflowWrap: 'anywhere' } }} data-testid="decision-facts">
            <dt>Amount</dt><dd>{formatMoney(record.amount)}</dd>
            <dt>Method</dt><dd>{label(record.method)}</dd>
            <dt>Destination</dt><dd>{maskedDestination(record.destination)}</dd>
            <dt>Resident</dt><dd>{record.user_id}</dd>
            <dt>Status</dt><dd>{label(record.status)}</dd>
            <dt>Approvals</dt><dd>{record.approvals.length ? record.approvals.join(', ') : 'none yet'}</dd>
          </Box>
          {need && decision === 'approve' && <Alert severity="info" sx={{ mt: 1 }}>{need}</Alert>}
          {decision === 'reject' && <DialogContentText sx={{ mt: 1 }}>Rejecting releases the held money back to the resident.</DialogContentText>}
          <MuiTextField
            label="Note (required)" value={note} onChange={(e) => setNote(e.target.value)} required fullWidth margin="normal" autoFocus
            error={touched && blank} helperText={touched && blank ? 'A note is required' : 'Why: kept in the withdrawal’s history'} slotProps={{ htmlInput: { maxLength: 1000 } }}
          />
          {error && <Alert severity="error" role="alert">{error}{conflict ? ` ${conflict}` : ''}</Alert>}
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="contained" color={decision === 'reject' ? 'error' : 'primary'} disabled={busy}>{decision ? VERB[decision] : ''}</Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/** The row's buttons: approve (or why not), reject, retry a payout in review. */
export function DecisionButtons({ record }: { record: Withdrawal }) {
  const [decision, setDecision] = useState<Decision | null>(null);
  const limits = useContext(LimitsContext);
  const decidable = DECIDABLE.includes(record.status);
  const reviewable = record.status === 'needs_review';
  // An open dialog stays while the row changes under it (someone else decided): it says what happened.
  if (!decidable && !reviewable && decision === null) return null;
  const why = decidable ? whyNotApprove(record) : null;
  const person = whoAmI()?.person ?? false;
  const need = approvalsNote(record, limits);
  const stop = (e: { stopPropagation(): void }) => e.stopPropagation();
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, alignItems: 'center' }} onClick={stop}>
      {decidable && (
        <>
          <Button size="small" variant="contained" disabled={why !== null} aria-label={`Approve withdrawal ${record.id}`} aria-describedby={why ? `why-${record.id}` : undefined} onClick={() => setDecision('approve')}>Approve</Button>
          <Button size="small" color="error" disabled={!person} aria-label={`Reject withdrawal ${record.id}`} onClick={() => setDecision('reject')}>Reject</Button>
        </>
      )}
      {reviewable && <Button size="small" disabled={!person} aria-label={`Retry payout of withdrawal ${record.id}`} onClick={() => setDecision('retry-payout')}>Retry payout</Button>}
      {why && <Typography id={`why-${record.id}`} variant="caption" data-testid="why-not-approve">{why}</Typography>}
      {need && <Typography variant="caption" sx={{ fontWeight: 600, color: '#6d3b00', border: '1px solid #b26a00', borderRadius: 4, px: 1 }}>{need}</Typography>}
      <DecisionDialog record={record} decision={decision} onClose={() => setDecision(null)} />
    </Box>
  );
}

const filters = [
  <SelectInput key="status" source="status" label="Status" choices={WITHDRAWAL_STATUSES.map((s) => ({ id: s, name: label(s) }))} alwaysOn emptyText="any" />,
  <SelectInput key="method" source="method" label="Method" choices={METHODS.map((s) => ({ id: s, name: label(s) }))} alwaysOn emptyText="any" />,
];

export function WithdrawalList() {
  const limits = useLimits();
  const me = whoAmI();
  return (
    <LimitsContext.Provider value={limits}>
      <List title="Withdrawals" filters={filters} sort={{ field: 'created_at', order: 'DESC' }} perPage={25} empty={false} exporter={false}>
        {me && !me.person && <Alert severity="info" sx={{ m: 1 }}>Signed in with an API key: decisions need an admin token (a person), so the buttons are disabled.</Alert>}
        {limits && <Typography variant="body2" sx={{ mx: 2, mt: 1 }}>From {formatMoney(limits.two_approvals_from)} two different admins approve; nobody approves their own request.</Typography>}
        <Box tabIndex={0} role="region" aria-label="Withdrawals (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 32px)', sm: '100%' } }}>
          <Datagrid bulkActionButtons={false} rowClick="show">
            <FunctionField label="Requested" render={(r: Withdrawal) => formatTime(r.created_at)} sortable={false} />
            <FunctionField label="Amount" render={(r: Withdrawal) => formatMoney(r.amount)} sortable={false} textAlign="right" />
            <FunctionField label="Method" render={(r: Withdrawal) => label(r.method)} sortable={false} />
            <FunctionField label="Destination" render={(r: Withdrawal) => maskedDestination(r.destination)} sortable={false} />
            <FunctionField label="Status" render={(r: Withdrawal) => label(r.status)} sortable={false} />
            <FunctionField label="Approvals" render={(r: Withdrawal) => String(r.approvals.length)} sortable={false} />
            <TextField source="user_id" label="Resident" sortable={false} />
            <FunctionField label="Actions" render={(r: Withdrawal) => <DecisionButtons record={r} />} sortable={false} />
          </Datagrid>
        </Box>
      </List>
    </LimitsContext.Provider>
  );
}

function HistoryTable() {
  const record = useRecordContext<Withdrawal & { history?: History[] }>();
  if (!record) return null;
  return (
    <Box component="section" aria-labelledby="history-title" sx={{ mt: 2 }}>
      <Typography id="history-title" component="h2" variant="h6">History</Typography>
      <Box tabIndex={0} role="region" aria-label="History (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
        <Table size="small" aria-labelledby="history-title">
          <TableHead><TableRow><TableCell>When</TableCell><TableCell>From</TableCell><TableCell>To</TableCell><TableCell>Action</TableCell><TableCell>By</TableCell><TableCell>Note / reason</TableCell></TableRow></TableHead>
          <TableBody>
            {(record.history ?? []).map((h, i) => (
              <TableRow key={i}>
                <TableCell>{formatTime(h.at)}</TableCell><TableCell>{h.from ? label(h.from) : '—'}</TableCell><TableCell>{label(h.to)}</TableCell>
                <TableCell>{label(h.action)}</TableCell><TableCell>{h.actor}</TableCell><TableCell>{h.note ?? h.reason ?? '—'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    </Box>
  );
}

function ShowDecisions() {
  const record = useRecordContext<Withdrawal>();
  return record ? <DecisionButtons record={record} /> : null;
}

export function WithdrawalShow() {
  const limits = useLimits();
  return (
    <LimitsContext.Provider value={limits}>
      <Show title="Withdrawal">
        <SimpleShowLayout>
          <FunctionField label="Amount" render={(r: Withdrawal) => formatMoney(r.amount)} />
          <FunctionField label="Method" render={(r: Withdrawal) => label(r.method)} />
          <FunctionField label="Destination (masked)" render={(r: Withdrawal) => maskedDestination(r.destination)} />
          <FunctionField label="Status" render={(r: Withdrawal) => label(r.status)} />
          <TextField source="failure_code" label="Failure" emptyText="—" />
          <TextField source="user_id" label="Resident" />
          <TextField source="requested_by" label="Requested by" />
          <FunctionField label="Approvals" render={(r: Withdrawal) => (r.approvals.length ? r.approvals.join(', ') : 'none')} />
          <FunctionField label="Requested" render={(r: Withdrawal) => formatTime(r.created_at)} />
          <ShowDecisions />
          <HistoryTable />
        </SimpleShowLayout>
      </Show>
    </LimitsContext.Provider>
  );
}
