// Donation campaigns: list with progress bars, create, edit, cancel (refund or redirect the money), and
// each campaign's donations with a refund (reason required). Money typed in rands, sent in cents.
import { useState, type FormEvent } from 'react';
import {
  SaveButton, Toolbar, Create, Datagrid, Edit, EditButton, FunctionField, List, ListBase, Pagination, SelectInput, Show, SimpleForm, SimpleShowLayout, TextField, TextInput, TopToolbar,
  required, useDataProvider, useNotify, useRecordContext, useRefresh, type RaRecord,
} from 'react-admin';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, FormControl, Grid, InputLabel, LinearProgress, MenuItem, Select, TextField as MuiTextField, Typography } from '@mui/material';
import { fieldErrors, whoAmI } from '../api';
import type { ConsoleActions } from '../dataProvider';
import { label, maskedDestination } from './Withdrawals';
import { formatMoney, formatNumber, formatTime, parseRands } from '../format';
import { ListActions } from '../ListActions';

interface Progress { source: string; raised_amount: number; raised_points: number; donors: number; donations: number; amount_percent: number | null; points_percent: number | null; days_left: number | null }
export interface Campaign extends RaRecord {
  name: string; description: string | null; beneficiary: string; status: string; target_amount: number | null; target_points: number | null;
  ends_at: string | null; progress: Progress; created_at: string; cancellation: unknown;
}
interface Donation extends RaRecord { user_id: string; amount: number | null; points: number | null; status: string; visibility: string; created_at: string }

const STATUSES = ['draft', 'active', 'completed', 'cancelled'].map((s) => ({ id: s, name: s }));

/** The campaign's progress towards its money target, as a labelled bar with its figures. */
export function ProgressBar({ c }: { c: Campaign }) {
  const pct = c.progress.amount_percent;
  const shown = pct === null ? null : Math.max(0, Math.min(100, pct));
  return (
    <Box sx={{ minWidth: 160 }} data-testid={`progress-${c.id}`}>
      {shown !== null && <LinearProgress variant="determinate" value={shown} aria-label={`Progress of ${c.name}`} aria-valuetext={`${formatNumber(pct)}% of ${formatMoney(c.target_amount)}`} sx={{ height: 8, borderRadius: 4 }} />}
      <Typography variant="caption" component="div">
        {formatMoney(c.progress.raised_amount)}{c.target_amount ? ` of ${formatMoney(c.target_amount)} (${formatNumber(pct)}%)` : ' raised (no target)'} · {formatNumber(c.progress.donors)} donors
      </Typography>
    </Box>
  );
}

export function CampaignList() {
  return (
    <List actions={<ListActions />} title="Campaigns" filters={[<SelectInput key="status" source="status" label="Status" choices={STATUSES} alwaysOn emptyText="any" />]} sort={{ field: 'created_at', order: 'DESC' }} perPage={25} empty={false}>
      <Box tabIndex={0} role="region" aria-label="Campaigns (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 32px)', sm: '100%' } }}>
        <Datagrid bulkActionButtons={false} rowClick="show">
          <TextField source="name" />
          <TextField source="beneficiary" />
          <TextField source="status" />
          <FunctionField label="Progress" render={(c: Campaign) => <ProgressBar c={c} />} />
          <FunctionField label="Ends" render={(c: Campaign) => formatTime(c.ends_at)} />
        </Datagrid>
      </Box>
    </List>
  );
}

const rands = (v: unknown) => (v === null || v === undefined || v === '' ? undefined : typeof v === 'string' && parseRands(v) === null ? 'An amount in rands, e.g. 1 000,00' : undefined);
const toCents = (v: unknown) => (v === null || v === undefined || v === '' ? null : typeof v === 'number' ? v : parseRands(String(v)));
const centsToText = (v: unknown) => (typeof v === 'number' ? (v / 100).toFixed(2).replace('.', ',') : (v as string | null) ?? '');

function transform(d: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...d, target_amount: toCents(d.target_amount) };
  for (const k of ['description', 'ends_at']) if (out[k] === '' || out[k] === null) delete out[k];
  if (typeof out.ends_at === 'string' && out.ends_at) out.ends_at = new Date(out.ends_at).toISOString();
  return out;
}

function CampaignFields({ create }: { create: boolean }) {
  return (
    <>
      <TextInput source="name" validate={required()} fullWidth />
      <TextInput source="beneficiary" validate={required()} fullWidth />
      <TextInput source="description" multiline fullWidth />
      <TextInput source="target_amount" label="Target (R)" validate={rands} format={centsToText} helperText="In rands, e.g. 1 000,00; empty for no target" />
      <SelectInput source="status" choices={create ? STATUSES.slice(0, 2) : [{ id: 'active', name: 'active' }, { id: 'completed', name: 'completed' }]} emptyText="unchanged" />
    </>
  );
}

export function CampaignCreate() {
  return (
    <Create title="Create a campaign" transform={transform} redirect="show">
      <SimpleForm defaultValues={{ status: 'active' }}>
        <CampaignFields create />
      </SimpleForm>
    </Create>
  );
}

export function CampaignEdit() {
  return (
    <Edit title="Edit campaign" transform={transform} mutationMode="pessimistic" redirect="show">
      <SimpleForm toolbar={<Toolbar><SaveButton /></Toolbar>}>
        <CampaignFields create={false} />
      </SimpleForm>
    </Edit>
  );
}

function RefundButton({ record }: { record: Donation }) {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (record.status !== 'accepted') return null;
  const run = async () => {
    if (!reason.trim()) { setError('A reason is required'); return; }
    try {
      await dp.refundDonation(String(record.id), reason.trim());
      notify('Donation refunded', { type: 'success' });
      setOpen(false);
      refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <Button size="small" color="error" aria-label={`Refund donation ${record.id}`} onClick={(e) => { e.stopPropagation(); setOpen(true); }}>Refund</Button>
      <Dialog open={open} onClose={() => setOpen(false)} aria-labelledby={`refund-${record.id}`}>
        <DialogTitle id={`refund-${record.id}`}>Refund {record.amount ? formatMoney(record.amount) : `${formatNumber(record.points)} points`}?</DialogTitle>
        <DialogContent>
          <DialogContentText>The money (or points) goes back to the resident’s wallet; the campaign’s progress drops by it.</DialogContentText>
          <MuiTextField label="Reason (required)" value={reason} onChange={(e) => setReason(e.target.value)} required fullWidth margin="normal" autoFocus />
          {error && <Alert severity="error" role="alert">{error}</Alert>}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button variant="contained" color="error" onClick={() => void run()}>Refund</Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

function CancelCampaignButton() {
  const record = useRecordContext<Campaign>();
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (!record || record.status === 'cancelled' || record.status === 'completed') return null;
  const run = async () => {
    if (!reason.trim()) { setError('A reason is required'); return; }
    try {
      await dp.cancelCampaign(String(record.id), reason.trim());
      notify('Campaign cancelled; its donations are refunded', { type: 'success' });
      setOpen(false);
      refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <Button variant="outlined" color="error" onClick={() => setOpen(true)}>Cancel campaign…</Button>
      <Dialog open={open} onClose={() => setOpen(false)} aria-labelledby="cancel-campaign-title">
        <DialogTitle id="cancel-campaign-title">Cancel “{record.name}”?</DialogTitle>
        <DialogContent>
          <DialogContentText>Every donation is refunded to its resident.</DialogContentText>
          <MuiTextField label="Reason (required)" value={reason} onChange={(e) => setReason(e.target.value)} required fullWidth margin="normal" autoFocus />
          {error && <Alert severity="error" role="alert">{error}</Alert>}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Keep it</Button>
          <Button variant="contained" color="error" onClick={() => void run()}>Cancel campaign</Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

function Donations() {
  const record = useRecordContext<Campaign>();
  if (!record) return null;
  return (
    <Box component="section" aria-labelledby="donations-title" sx={{ mt: 2 }}>
      <Typography id="donations-title" component="h2" variant="h6">Donations</Typography>
      <ListBase resource="donations" filter={{ campaign_id: record.id }} perPage={25} disableSyncWithLocation sort={{ field: 'created_at', order: 'DESC' }}>
        <Box tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
          <Datagrid bulkActionButtons={false} rowClick={false} empty={<Typography>No donations yet.</Typography>}>
            <FunctionField label="When" render={(d: Donation) => formatTime(d.created_at)} sortable={false} />
            <TextField source="user_id" label="Resident" sortable={false} />
            <FunctionField label="Amount" render={(d: Donation) => (d.amount ? formatMoney(d.amount) : `${formatNumber(d.points)} points`)} sortable={false} />
            <TextField source="status" sortable={false} />
            <FunctionField label="Actions" render={(d: Donation) => <RefundButton record={d} />} sortable={false} />
          </Datagrid>
        </Box>
        <Pagination rowsPerPageOptions={[25, 50, 100]} />
      </ListBase>
    </Box>
  );
}

export function CampaignShow() {
  return (
    <Show title="Campaign" actions={<TopToolbar><EditButton /></TopToolbar>}>
      <SimpleShowLayout>
        <TextField source="name" />
        <TextField source="beneficiary" />
        <TextField source="description" emptyText="—" />
        <TextField source="status" />
        <FunctionField label="Progress" render={(c: Campaign) => <ProgressBar c={c} />} />
        <FunctionField label="Ends" render={(c: Campaign) => formatTime(c.ends_at)} />
        <CancelCampaignButton />
        <Donations />
        <Disbursements />
      </SimpleShowLayout>
    </Show>
  );
}

interface Disbursement extends RaRecord {
  campaign_id: string; beneficiary: string; amount: number; reference: string | null; status: string; method: string; destination: Record<string, string>;
  requested_by: string; approved_by: string[]; rejected_by: string | null; reason: string | null; payout_status: string | null; failure_code: string | null;
  created_at: string; updated_at: string;
}

/** The payout methods and their destination fields (as the withdrawals' payout pipeline validates them). */
const PAYOUT_FIELDS: Record<string, { field: string; label: string }[]> = {
  bank_transfer: [{ field: 'bank_name', label: 'Bank' }, { field: 'account_holder', label: 'Account holder' }, { field: 'account_number', label: 'Account number' }, { field: 'branch_code', label: 'Branch code' }],
  mobile_money: [{ field: 'provider', label: 'Provider' }, { field: 'phone_number', label: 'Phone number (+27…)' }],
  paypal: [{ field: 'email', label: 'PayPal email' }],
  crypto: [{ field: 'network', label: 'Network' }, { field: 'address', label: 'Address' }],
};
/** Still moving: the list is read again until the payout settles. */
const MOVING = ['approved', 'processing'];

/** Who the donations-service records as the signed-in admin: a token's subject, or an API key's service id. */
const meAsActor = () => whoAmI()?.id.replace(/^service:/, '') ?? null;

/** Why the signed-in admin may not approve this disbursement, or null (four eyes: never the requester). */
function whyNotApproveDisbursement(d: Disbursement): string | null {
  const me = meAsActor();
  if (me && me === d.requested_by.toLowerCase()) return 'You requested it: another admin must approve it';
  return null;
}

function DisbursementActions({ record }: { record: Disbursement }) {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [open, setOpen] = useState<'approve' | 'reject' | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (record.status !== 'requested' && open === null) return null;
  const why = whyNotApproveDisbursement(record);
  const close = () => { setOpen(null); setReason(''); setError(null); };
  const run = async (e: FormEvent) => {
    e.preventDefault();
    if (open === 'reject' && !reason.trim()) { setError('A reason is required'); return; }
    setBusy(true);
    try {
      if (open === 'approve') await dp.approveDisbursement(String(record.id));
      else await dp.rejectDisbursement(String(record.id), reason.trim());
      notify(open === 'approve' ? 'Disbursement approved: the money goes to payout' : 'Disbursement rejected', { type: 'success' });
      close();
      refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const titleId = `disb-${record.id}-title`;
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
      <Button size="small" variant="contained" disabled={Boolean(why)} aria-label={`Approve disbursement ${record.id}`} onClick={() => setOpen('approve')}>Approve</Button>
      <Button size="small" color="error" aria-label={`Reject disbursement ${record.id}`} onClick={() => setOpen('reject')}>Reject</Button>
      {why && <Typography variant="caption">{why}</Typography>}
      <Dialog open={open !== null} onClose={close} aria-labelledby={titleId} fullWidth maxWidth="sm">
        <form onSubmit={(e) => void run(e)} noValidate>
          <DialogTitle id={titleId}>{open === 'approve' ? 'Approve' : 'Reject'} the disbursement of {formatMoney(record.amount)}?</DialogTitle>
          <DialogContent>
            <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0, '& dt': { fontWeight: 500 }, '& dd': { m: 0, overflowWrap: 'anywhere' } }}>
              <dt>Amount</dt><dd>{formatMoney(record.amount)}</dd>
              <dt>To</dt><dd>{record.beneficiary}</dd>
              <dt>Method</dt><dd>{label(record.method)}</dd>
              <dt>Destination</dt><dd>{maskedDestination(record.destination)}</dd>
              <dt>Requested by</dt><dd>{record.requested_by}</dd>
            </Box>
            {open === 'approve' && <DialogContentText sx={{ mt: 1 }}>The money moves from the campaign to payout and is paid to the destination.</DialogContentText>}
            {open === 'reject' && <MuiTextField label="Reason (required)" value={reason} onChange={(e) => setReason(e.target.value)} required fullWidth margin="normal" autoFocus slotProps={{ htmlInput: { maxLength: 500 } }} />}
            {error && <Alert severity="error" role="alert">{error}</Alert>}
          </DialogContent>
          <DialogActions>
            <Button onClick={close}>Close</Button>
            <Button type="submit" variant="contained" color={open === 'reject' ? 'error' : 'primary'} disabled={busy} autoFocus={open === 'approve'}>{open === 'approve' ? 'Approve' : 'Reject'}</Button>
          </DialogActions>
        </form>
      </Dialog>
    </Box>
  );
}

function RequestDisbursement({ campaign }: { campaign: Campaign }) {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [method, setMethod] = useState('bank_transfer');
  const [destination, setDestination] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const cents = parseRands(amount);
    const found: Record<string, string> = {};
    if (cents === null || cents < 1) found.amount = 'An amount in rands, e.g. 1 000,00';
    for (const f of PAYOUT_FIELDS[method]!) if (!(destination[f.field] ?? '').trim()) found[`destination.${f.field}`] = 'is required';
    setProblems(found);
    if (Object.keys(found).length) { setError('Check the marked fields'); return; }
    setBusy(true);
    try {
      const dest = Object.fromEntries(PAYOUT_FIELDS[method]!.map((f) => [f.field, (destination[f.field] ?? '').trim()]));
      await dp.requestDisbursement(String(campaign.id), { amount: cents!, method, destination: dest, ...(reference.trim() ? { reference: reference.trim() } : {}) });
      notify('Disbursement requested: another admin approves it', { type: 'success' });
      setAmount(''); setReference(''); setDestination({}); setProblems({}); setError(null);
      refresh();
    } catch (err) {
      setError((err as Error).message);
      setProblems(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  };
  const problem = (k: string) => problems[k] ?? problems[k.replace(/^destination\./, '')];
  return (
    <Box component="form" onSubmit={(e: FormEvent) => void submit(e)} noValidate aria-labelledby="request-disb-title" sx={{ mt: 2 }}>
      <Typography id="request-disb-title" component="h3" variant="subtitle1">Request a disbursement to {campaign.beneficiary}</Typography>
      <Typography variant="body2" sx={{ mb: 1 }}>Another admin approves it (four eyes); then the money leaves the campaign for the destination.</Typography>
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, sm: 4 }}>
          <MuiTextField label="Amount (R)" name="amount" value={amount} onChange={(e) => setAmount(e.target.value)} required fullWidth error={Boolean(problem('amount'))} helperText={problem('amount') ?? (parseRands(amount) !== null ? formatMoney(parseRands(amount)) : ' ')} slotProps={{ htmlInput: { inputMode: 'decimal' } }} />
        </Grid>
        <Grid size={{ xs: 12, sm: 4 }}>
          <FormControl fullWidth>
            <InputLabel id="disb-method-label">Payout method</InputLabel>
            <Select labelId="disb-method-label" label="Payout method" value={method} onChange={(e) => { setMethod(e.target.value); setProblems({}); }} name="method">
              {Object.keys(PAYOUT_FIELDS).map((m) => <MenuItem key={m} value={m}>{label(m)}</MenuItem>)}
            </Select>
          </FormControl>
        </Grid>
        <Grid size={{ xs: 12, sm: 4 }}>
          <MuiTextField label="Reference" name="reference" value={reference} onChange={(e) => setReference(e.target.value)} fullWidth helperText="Optional, e.g. an invoice number" slotProps={{ htmlInput: { maxLength: 200 } }} />
        </Grid>
        {PAYOUT_FIELDS[method]!.map((f) => (
          <Grid key={`${method}.${f.field}`} size={{ xs: 12, sm: 6, md: 3 }}>
            <MuiTextField label={f.label} name={f.field} value={destination[f.field] ?? ''} onChange={(e) => setDestination((d) => ({ ...d, [f.field]: e.target.value }))} required fullWidth error={Boolean(problem(`destination.${f.field}`))} helperText={problem(`destination.${f.field}`) ?? ' '} />
          </Grid>
        ))}
      </Grid>
      {error && <Alert severity="error" role="alert" sx={{ mt: 1 }}>{error}</Alert>}
      <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={busy}>Request disbursement</Button>
    </Box>
  );
}

/** A campaign's disbursements with their payout status (read again while one is moving), approve/reject, and a request form. */
function Disbursements() {
  const record = useRecordContext<Campaign>();
  if (!record) return null;
  return (
    <Box component="section" aria-labelledby="disbursements-title" sx={{ mt: 2 }} data-testid="disbursements">
      <Typography id="disbursements-title" component="h2" variant="h6">Disbursements</Typography>
      <ListBase
        resource="disbursements" filter={{ campaign_id: record.id }} perPage={50} disableSyncWithLocation sort={{ field: 'created_at', order: 'DESC' }}
        queryOptions={{ refetchInterval: (q: { state: { data?: { data?: Disbursement[] } } }) => (q.state.data?.data ?? []).some((d) => MOVING.includes(d.status)) ? 2000 : false }}
      >
        <Box tabIndex={0} role="region" aria-label="Disbursements (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
          <Datagrid bulkActionButtons={false} rowClick={false} empty={<Typography>No disbursements yet.</Typography>}>
            <FunctionField label="Requested" render={(d: Disbursement) => formatTime(d.created_at)} sortable={false} />
            <FunctionField label="Amount" render={(d: Disbursement) => formatMoney(d.amount)} sortable={false} textAlign="right" />
            <FunctionField label="Method" render={(d: Disbursement) => label(d.method)} sortable={false} />
            <FunctionField label="Destination" render={(d: Disbursement) => maskedDestination(d.destination)} sortable={false} />
            <FunctionField label="Reference" render={(d: Disbursement) => d.reference ?? '—'} sortable={false} />
            <FunctionField label="Status" render={(d: Disbursement) => `${label(d.status)}${d.failure_code ? ` (${d.failure_code})` : ''}${d.reason ? ` (${d.reason})` : ''}`} sortable={false} />
            <FunctionField label="Payout" render={(d: Disbursement) => (d.payout_status ? label(d.payout_status) : '—')} sortable={false} />
            <FunctionField label="Requested by" render={(d: Disbursement) => d.requested_by} sortable={false} />
            <FunctionField label="Decided by" render={(d: Disbursement) => d.rejected_by ?? (d.approved_by.length ? d.approved_by.join(', ') : '—')} sortable={false} />
            <FunctionField label="Actions" render={(d: Disbursement) => <DisbursementActions record={d} />} sortable={false} />
          </Datagrid>
        </Box>
      </ListBase>
      {(record.status === 'active' || record.status === 'completed') && <RequestDisbursement campaign={record} />}
    </Box>
  );
}
