import { useState, type FormEvent } from 'react';
import { Link as RouterLink, useParams, useNavigate } from 'react-router-dom';
import { useQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Datagrid, FunctionField, ListBase, Pagination, TextField as RaTextField, Title, useGetOne, useNotify, type RaRecord } from 'react-admin';
import {
  Alert, Box, Button, Card, CardContent, Dialog, DialogActions, DialogContent, DialogTitle, FormControl, Grid, InputLabel, Link, MenuItem, Select, TextField, Typography,
} from '@mui/material';
import { api } from '../api';
import { formatMoney, formatNumber, formatTime, isUuid, parseRands } from '../format';
import type { Campaign } from './Campaigns';
import { label, maskedDestination, type Withdrawal } from './Withdrawals';

interface Wallet {
  user_id: string; balance: number; held: number; available: number; points: number; lifetime_points: number;
  tier: string; next_tier: string | null; points_to_next_tier: number | null; updated_at: string | null;
}
interface MetricsDay { date: string; points_earned: number; points_spent: number; money_earned: number; money_spent: number; collections: number; grams_collected: number; co2_avoided_g: number }

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Box>
      <Typography variant="body2" component="dt" sx={{ color: 'text.secondary' }}>{label}</Typography>
      <Typography variant="h6" component="dd" sx={{ m: 0 }}>{value}</Typography>
    </Box>
  );
}

export function ResidentsPage() {
  const { userId } = useParams();
  const navigate = useNavigate();
  const [input, setInput] = useState(userId ?? '');
  const [inputError, setInputError] = useState<string | null>(null);
  const lookUp = (e: FormEvent) => {
    e.preventDefault();
    if (!isUuid(input)) { setInputError('A resident id is a UUID, e.g. 0193a4c2-…'); return; }
    setInputError(null);
    navigate(`/residents/${input.trim().toLowerCase()}`);
  };
  return (
    <Box component="section" aria-labelledby="residents-title" sx={{ mt: 1 }}>
      <Title title="Residents" />
      <Typography id="residents-title" component="h1" variant="h5" sx={{ mb: 1 }}>Residents</Typography>
      <Card>
        <CardContent>
          <form onSubmit={lookUp} aria-label="Look up a resident" style={{ display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'flex-start' }}>
            <TextField label="Resident id" name="user_id" value={input} onChange={(e) => setInput(e.target.value)} error={Boolean(inputError)} helperText={inputError ?? 'The resident’s user id (UUID)'} sx={{ flex: '1 1 260px' }} />
            <Button type="submit" variant="contained" sx={{ mt: 1 }}>Look up</Button>
          </form>
        </CardContent>
      </Card>
      {userId && <Resident key={userId} userId={userId} />}
    </Box>
  );
}

function Resident({ userId }: { userId: string }) {
  const wallet = useQuery({ queryKey: ['wallet', userId], queryFn: () => api<Wallet>(`/v1/wallets/${userId}`) });
  const metrics = useQuery({ queryKey: ['user-metrics', userId], queryFn: () => api<{ days: MetricsDay[]; data_as_of: string | null }>(`/v1/metrics/users/${userId}`, { query: { granularity: 'month' } }) });
  const totals = (metrics.data?.days ?? []).reduce((t, d) => ({ collections: t.collections + d.collections, grams: t.grams + d.grams_collected, co2: t.co2 + d.co2_avoided_g, earned: t.earned + d.money_earned }), { collections: 0, grams: 0, co2: 0, earned: 0 });
  return (
    <>
      <Card component="section" aria-labelledby="wallet-title" sx={{ mt: 2 }}>
        <CardContent>
          <Typography id="wallet-title" component="h2" variant="h6" sx={{ overflowWrap: "anywhere" }}>Wallet of {userId}</Typography>
          {wallet.isPending && <Typography role="status">Loading the wallet…</Typography>}
          {wallet.error && <Alert severity="error" role="alert">{wallet.error.message}</Alert>}
          {wallet.data && (
            <Box component="dl" data-testid="wallet" sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))', gap: 2, m: 0 }}>
              <Figure label="Balance" value={formatMoney(wallet.data.balance)} />
              <Figure label="Held" value={formatMoney(wallet.data.held)} />
              <Figure label="Available" value={formatMoney(wallet.data.available)} />
              <Figure label="Points" value={formatNumber(wallet.data.points)} />
              <Figure label="Lifetime points" value={formatNumber(wallet.data.lifetime_points)} />
              <Figure label="Tier" value={wallet.data.tier} />
              <Figure label="Next tier" value={wallet.data.next_tier ? `${wallet.data.next_tier} (${formatNumber(wallet.data.points_to_next_tier)} points to go)` : 'top tier'} />
              <Figure label="Updated" value={formatTime(wallet.data.updated_at)} />
            </Box>
          )}
        </CardContent>
      </Card>
      <Card component="section" aria-labelledby="metrics-title" sx={{ mt: 2 }}>
        <CardContent>
          <Typography id="metrics-title" component="h2" variant="h6">Metrics (all time)</Typography>
          {metrics.error && <Alert severity="error" role="alert">{metrics.error.message}</Alert>}
          {metrics.data && (
            <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))', gap: 2, m: 0 }}>
              <Figure label="Collections" value={formatNumber(totals.collections)} />
              <Figure label="Collected" value={`${formatNumber(totals.grams / 1000)} kg`} />
              <Figure label="CO₂ avoided" value={`${formatNumber(totals.co2 / 1000)} kg`} />
              <Figure label="Money earned" value={formatMoney(totals.earned)} />
            </Box>
          )}
        </CardContent>
      </Card>
      <AdjustmentForm userId={userId} />
      <Transactions userId={userId} />
      <IssuedRewards userId={userId} />
      <Donations userId={userId} />
      <Box sx={{ mb: 2 }}><Withdrawals userId={userId} /></Box>
    </>
  );
}

function useInvalidateResident(userId: string) {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['wallet', userId] });
    void qc.invalidateQueries({ queryKey: ['transactions'] });
  };
}

function AdjustmentForm({ userId }: { userId: string }) {
  const notify = useNotify();
  const invalidate = useInvalidateResident(userId);
  const [asset, setAsset] = useState<'ZAR' | 'POINTS'>('ZAR');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: (body: { user_id: string; asset: 'ZAR' | 'POINTS'; amount: number; reason: string }) => api('/v1/admin/adjustments', { method: 'POST', body }),
    onSuccess: () => { notify('Adjustment posted', { type: 'success' }); setAmount(''); setReason(''); invalidate(); },
    onError: (err: Error) => notify(err.message, { type: 'error' }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = asset === 'ZAR' ? parseRands(amount) : /^-?\d{1,12}$/.test(amount.trim()) ? Number(amount.trim()) : null;
    if (value === null || value === 0) { setFieldError(asset === 'ZAR' ? 'Rands with up to two decimals, e.g. 12,50 or -3' : 'Whole points, e.g. 50 or -20'); return; }
    if (!reason.trim()) { setFieldError(null); return; }
    setFieldError(null);
    mutation.mutate({ user_id: userId, asset, amount: value, reason: reason.trim() });
  };
  return (
    <Card component="section" aria-labelledby="adjust-title" sx={{ mt: 2 }}>
      <CardContent>
        <Typography id="adjust-title" component="h2" variant="h6">Make an adjustment</Typography>
        <Typography variant="body2" sx={{ mb: 1 }}>A credit (positive) or a debit (negative) of the resident’s money or points, with the reason recorded.</Typography>
        <form onSubmit={submit} aria-label="Adjustment">
          <Grid container spacing={2}>
            <Grid size={{ xs: 12, sm: 3 }}>
              <FormControl fullWidth>
                <InputLabel id="asset-label">Asset</InputLabel>
                <Select labelId="asset-label" label="Asset" value={asset} onChange={(e) => setAsset(e.target.value as 'ZAR' | 'POINTS')} name="asset">
                  <MenuItem value="ZAR">Money (rands)</MenuItem>
                  <MenuItem value="POINTS">Points</MenuItem>
                </Select>
              </FormControl>
            </Grid>
            <Grid size={{ xs: 12, sm: 3 }}>
              <TextField label={asset === 'ZAR' ? 'Amount (R)' : 'Points'} name="amount" value={amount} onChange={(e) => setAmount(e.target.value)} required fullWidth error={Boolean(fieldError)} helperText={fieldError ?? (asset === 'ZAR' && parseRands(amount) !== null ? formatMoney(parseRands(amount)) : ' ')} />
            </Grid>
            <Grid size={{ xs: 12, sm: 6 }}>
              <TextField label="Reason" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} required fullWidth slotProps={{ htmlInput: { maxLength: 500 } }} />
            </Grid>
          </Grid>
          <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={mutation.isPending}>Post adjustment</Button>
        </form>
      </CardContent>
    </Card>
  );
}

interface Tx extends RaRecord { hold_id: string | null; kind: string; money_change: number; points_change: number; balance_after: number | null; description: string; reverses_transfer_id: string | null; created_at: string }

function ReverseButton({ record, userId }: { record: Tx; userId: string }) {
  const notify = useNotify();
  const invalidate = useInvalidateResident(userId);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const mutation = useMutation({
    mutationFn: () => api(`/v1/admin/transfers/${record.id}/reverse`, { method: 'POST', body: { reason: reason.trim() } }),
    onSuccess: () => { notify('Transfer reversed', { type: 'success' }); setOpen(false); setReason(''); invalidate(); },
    onError: (err: Error) => notify(err.message, { type: 'error' }),
  });
  if (record.reverses_transfer_id || record.hold_id) return null;
  return (
    <>
      <Button size="small" onClick={(e) => { e.stopPropagation(); setOpen(true); }} aria-label={`Reverse transfer ${record.id}`}>Reverse</Button>
      <Dialog open={open} onClose={() => setOpen(false)} aria-labelledby={`rev-${record.id}`}>
        <form onSubmit={(e) => { e.preventDefault(); if (reason.trim()) mutation.mutate(); }}>
          <DialogTitle id={`rev-${record.id}`}>Reverse this transfer?</DialogTitle>
          <DialogContent>
            <Typography variant="body2">{record.description}: {formatMoney(record.money_change)}, {formatNumber(record.points_change)} points, {formatTime(record.created_at)}</Typography>
            <TextField label="Reason" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} required fullWidth margin="normal" autoFocus slotProps={{ htmlInput: { maxLength: 500 } }} />
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setOpen(false)}>Cancel</Button>
            <Button type="submit" variant="contained" disabled={mutation.isPending}>Reverse</Button>
          </DialogActions>
        </form>
      </Dialog>
    </>
  );
}

/** One of the resident's lists: a titled section with a paged table (the API's cursor pages) that scrolls sideways on a phone. */
function ResidentTable({ resource, userId, id, title, empty, children }: { resource: string; userId: string; id: string; title: string; empty: string; children: React.ReactNode }) {
  return (
    <Card component="section" aria-labelledby={id} sx={{ mt: 2 }} data-testid={resource}>
      <CardContent>
        <Typography id={id} component="h2" variant="h6">{title}</Typography>
        <ListBase resource={resource} filter={{ user_id: userId }} perPage={10} disableSyncWithLocation sort={{ field: 'created_at', order: 'DESC' }}>
          <Box tabIndex={0} role="region" aria-label={`${title} (scrolls sideways)`} sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
            <Datagrid bulkActionButtons={false} rowClick={false} empty={<Typography>{empty}</Typography>}>
              {children}
            </Datagrid>
          </Box>
          <Pagination rowsPerPageOptions={[10, 25, 50]} />
        </ListBase>
      </CardContent>
    </Card>
  );
}

function Transactions({ userId }: { userId: string }) {
  return (
    <ResidentTable resource="transactions" userId={userId} id="tx-title" title="Transactions" empty="No transactions yet.">
      <FunctionField label="When" render={(r: Tx) => formatTime(r.created_at)} sortable={false} />
      <RaTextField source="kind" sortable={false} />
      <FunctionField label="Money" render={(r: Tx) => formatMoney(r.money_change)} sortable={false} />
      <FunctionField label="Points" render={(r: Tx) => formatNumber(r.points_change)} sortable={false} />
      <FunctionField label="Balance after" render={(r: Tx) => formatMoney(r.balance_after)} sortable={false} />
      <RaTextField source="description" sortable={false} />
      <FunctionField label="Actions" render={(r: Tx) => <ReverseButton record={r} userId={userId} />} sortable={false} />
    </ResidentTable>
  );
}

interface IssuedReward extends RaRecord { reward_name: string; reward_code: string; reward_type: string; status: string; source: string; points_cost: number; value: number; issued_at: string; expires_at: string | null; cancel_reason: string | null }
interface ResidentDonation extends RaRecord { campaign_id: string; amount: number | null; points: number | null; bonus_points: number | null; status: string; visibility: string; receipt_number: string | null; donated_at: string | null; created_at: string; refund: { reason: string | null; refunded_at: string } | null }

function IssuedRewards({ userId }: { userId: string }) {
  return (
    <ResidentTable resource="user-rewards" userId={userId} id="rewards-title" title="Rewards" empty="No rewards issued.">
      <FunctionField label="Issued" render={(r: IssuedReward) => formatTime(r.issued_at)} sortable={false} />
      <FunctionField label="Reward" render={(r: IssuedReward) => `${r.reward_name} (${r.reward_code})`} sortable={false} />
      <FunctionField label="Status" render={(r: IssuedReward) => `${label(r.status)}${r.cancel_reason ? ` (${r.cancel_reason})` : ''}`} sortable={false} />
      <FunctionField label="Points" render={(r: IssuedReward) => formatNumber(r.points_cost)} sortable={false} textAlign="right" />
      <FunctionField label="Value" render={(r: IssuedReward) => formatMoney(r.value)} sortable={false} textAlign="right" />
      <FunctionField label="Source" render={(r: IssuedReward) => label(r.source)} sortable={false} />
      <FunctionField label="Expires" render={(r: IssuedReward) => formatTime(r.expires_at)} sortable={false} />
      <FunctionField label="Actions" render={(r: IssuedReward) => (r.status === 'issued' || r.status === 'active' ? <Link component={RouterLink} to={`/issued-rewards/${userId}`} aria-label={`Cancel ${r.reward_name} on the issued rewards page`}>Cancel…</Link> : null)} sortable={false} />
    </ResidentTable>
  );
}

function Donations({ userId }: { userId: string }) {
  return (
    <ResidentTable resource="user-donations" userId={userId} id="donations-title" title="Donations" empty="No donations.">
      <FunctionField label="When" render={(d: ResidentDonation) => formatTime(d.donated_at ?? d.created_at)} sortable={false} />
      <FunctionField label="Campaign" render={(d: ResidentDonation) => <Link component={RouterLink} to={`/campaigns/${d.campaign_id}/show`}><CampaignName id={d.campaign_id} /></Link>} sortable={false} />
      <FunctionField label="Amount" render={(d: ResidentDonation) => (d.amount ? formatMoney(d.amount) : `${formatNumber(d.points)} points`)} sortable={false} textAlign="right" />
      <FunctionField label="Status" render={(d: ResidentDonation) => `${label(d.status)}${d.refund?.reason ? ` (${d.refund.reason})` : ''}`} sortable={false} />
      <FunctionField label="Bonus points" render={(d: ResidentDonation) => formatNumber(d.bonus_points ?? 0)} sortable={false} textAlign="right" />
      <FunctionField label="Receipt" render={(d: ResidentDonation) => d.receipt_number ?? '—'} sortable={false} />
    </ResidentTable>
  );
}

/** A campaign's name (its id while it loads or when it cannot be read). */
function CampaignName({ id }: { id: string }) {
  const { data } = useGetOne<Campaign>('campaigns', { id });
  return <>{data?.name ?? id}</>;
}

function Withdrawals({ userId }: { userId: string }) {
  return (
    <ResidentTable resource="user-withdrawals" userId={userId} id="withdrawals-title" title="Withdrawals" empty="No withdrawals.">
      <FunctionField label="Requested" render={(w: Withdrawal) => <Link component={RouterLink} to={`/withdrawals/${w.id}/show`}>{formatTime(w.created_at)}</Link>} sortable={false} />
      <FunctionField label="Amount" render={(w: Withdrawal) => formatMoney(w.amount)} sortable={false} textAlign="right" />
      <FunctionField label="Method" render={(w: Withdrawal) => label(w.method)} sortable={false} />
      <FunctionField label="Destination" render={(w: Withdrawal) => maskedDestination(w.destination)} sortable={false} />
      <FunctionField label="Status" render={(w: Withdrawal) => `${label(w.status)}${w.failure_code ? ` (${w.failure_code})` : ''}`} sortable={false} />
      <FunctionField label="Updated" render={(w: Withdrawal) => formatTime(w.updated_at)} sortable={false} />
    </ResidentTable>
  );
}
