// Donation campaigns: list with progress bars, create, edit, cancel (refund or redirect the money), and
// each campaign's donations with a refund (reason required). Money typed in rands, sent in cents.
import { useState } from 'react';
import {
  SaveButton, Toolbar, Create, Datagrid, Edit, EditButton, FunctionField, List, ListBase, Pagination, SelectInput, Show, SimpleForm, SimpleShowLayout, TextField, TextInput, TopToolbar,
  required, useDataProvider, useNotify, useRecordContext, useRefresh, type RaRecord,
} from 'react-admin';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, LinearProgress, TextField as MuiTextField, Typography } from '@mui/material';
import type { ConsoleActions } from '../dataProvider';
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
      </SimpleShowLayout>
    </Show>
  );
}
