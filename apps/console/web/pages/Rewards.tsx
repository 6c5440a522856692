// The rewards catalogue (create, edit, stock changes with a reason, the stock movements) and a
// resident's issued rewards with cancel (reason required).
import { useEffect, useState, type FormEvent } from 'react';
import {
  SaveButton, Toolbar, BooleanField, BooleanInput, Create, Datagrid, Edit, EditButton, FunctionField, List, NumberInput, SelectInput, Show, SimpleForm, SimpleShowLayout, TextField, TextInput, Title, TopToolbar,
  required, useDataProvider, useNotify, useRecordContext, type RaRecord,
} from 'react-admin';
import { useParams, useNavigate } from 'react-router-dom';
import { Alert, Box, Button, Card, CardContent, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Table, TableBody, TableCell, TableHead, TableRow, TextField as MuiTextField, Typography } from '@mui/material';
import { api } from '../api';
import type { ConsoleActions } from '../dataProvider';
import { formatMoney, formatNumber, formatTime, isUuid, parseRands } from '../format';
import { ListActions } from '../ListActions';

interface Reward extends RaRecord { code: string; name: string; type: string; points_cost: number; value: number; stock: number | null; stock_remaining: number | null; active: boolean; valid_days: number | null; refundable_on_cancel: boolean }
interface Movement { id: number; delta: number; stock_total_after: number | null; kind: string; reason: string; redemption_id: string | null; actor: string; created_at: string }
interface UserReward { id: string; reward_name: string; reward_code: string; reward_type: string; status: string; source: string; points_cost: number; value: number; issued_at: string; expires_at: string | null; cancelled_at: string | null; cancel_reason: string | null }

const TYPES = ['discount', 'cashback', 'product', 'service', 'badge'].map((t) => ({ id: t, name: t }));
const Scroll = ({ children }: { children: React.ReactNode }) => <Box tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>{children}</Box>;
const stockText = (r: Reward) => (r.stock === null ? 'unlimited' : `${formatNumber(r.stock_remaining)} of ${formatNumber(r.stock)} left`);

export function RewardList() {
  return (
    <List actions={<ListActions />} title="Rewards" filters={[<SelectInput key="type" source="type" label="Type" choices={TYPES} alwaysOn emptyText="any" />]} perPage={25} empty={false} sort={{ field: 'created_at', order: 'DESC' }}>
      <Scroll>
        <Datagrid bulkActionButtons={false} rowClick="show">
          <TextField source="code" sortable={false} />
          <TextField source="name" sortable={false} />
          <TextField source="type" sortable={false} />
          <FunctionField label="Points" render={(r: Reward) => formatNumber(r.points_cost)} sortable={false} />
          <FunctionField label="Value" render={(r: Reward) => formatMoney(r.value)} sortable={false} />
          <FunctionField label="Stock" render={stockText} sortable={false} />
          <BooleanField source="active" sortable={false} />
        </Datagrid>
      </Scroll>
    </List>
  );
}

const rands = (v: unknown) => (v === null || v === undefined || v === '' || typeof v === 'number' ? undefined : parseRands(String(v)) === null ? 'An amount in rands, e.g. 50,00' : undefined);
const centsToText = (v: unknown) => (typeof v === 'number' ? (v / 100).toFixed(2).replace('.', ',') : (v as string | null) ?? '');
function transform(d: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...d };
  if (typeof out.value === 'string') out.value = out.value === '' ? undefined : parseRands(out.value);
  for (const k of ['description', 'stock_reason']) if (out[k] === '' || out[k] === null) delete out[k];
  if (out.stock === '' || out.stock === undefined) out.stock = null;
  return out;
}

export function RewardCreate() {
  return (
    <Create title="Add a reward" transform={transform} redirect="show">
      <SimpleForm defaultValues={{ type: 'product', active: true, refundable_on_cancel: true }}>
        <TextInput source="code" validate={required()} helperText="Capitals, digits and _ (e.g. BOTTLE_BAG)" />
        <TextInput source="name" validate={required()} fullWidth />
        <SelectInput source="type" choices={TYPES} validate={required()} />
        <NumberInput source="points_cost" label="Points cost" validate={required()} min={0} step={1} />
        <TextInput source="value" label="Value (R)" validate={rands} format={centsToText} />
        <NumberInput source="stock" label="Stock (empty: unlimited)" min={0} step={1} />
        <TextInput source="description" multiline fullWidth />
        <BooleanInput source="refundable_on_cancel" label="A cancel gives the points back" />
        <BooleanInput source="active" />
      </SimpleForm>
    </Create>
  );
}

export function RewardEdit() {
  return (
    <Edit title="Edit reward" transform={transform} mutationMode="pessimistic" redirect="show">
      <SimpleForm toolbar={<Toolbar><SaveButton /></Toolbar>}>
        <TextInput source="name" validate={required()} fullWidth />
        <NumberInput source="points_cost" label="Points cost" min={0} step={1} />
        <TextInput source="description" multiline fullWidth />
        <NumberInput source="stock" label="Stock (empty: unlimited)" min={0} step={1} />
        <TextInput source="stock_reason" label="Why the stock changes (required when it does)" fullWidth />
        <BooleanInput source="active" />
      </SimpleForm>
    </Edit>
  );
}

function Movements() {
  const record = useRecordContext<Reward>();
  const [rows, setRows] = useState<Movement[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!record) return;
    api<{ data: Movement[] }>(`/v1/rewards/${encodeURIComponent(String(record.id))}/stock-movements`).then((b) => setRows(b.data), (e: Error) => setError(e.message));
  }, [record]);
  return (
    <Box component="section" aria-labelledby="movements-title" sx={{ mt: 2 }}>
      <Typography id="movements-title" component="h2" variant="h6">Stock movements</Typography>
      {error && <Alert severity="error" role="alert">{error}</Alert>}
      {rows && rows.length === 0 && <Typography>None.</Typography>}
      {rows && rows.length > 0 && (
        <Scroll>
          <Table size="small" aria-labelledby="movements-title">
            <TableHead><TableRow><TableCell>When</TableCell><TableCell>Kind</TableCell><TableCell align="right">Change</TableCell><TableCell align="right">Stock after</TableCell><TableCell>Reason</TableCell><TableCell>By</TableCell></TableRow></TableHead>
            <TableBody>
              {rows.map((m) => (
                <TableRow key={m.id}>
                  <TableCell>{formatTime(m.created_at)}</TableCell><TableCell>{m.kind.replace(/_/g, ' ')}</TableCell>
                  <TableCell align="right">{m.delta > 0 ? `+${formatNumber(m.delta)}` : formatNumber(m.delta)}</TableCell>
                  <TableCell align="right">{m.stock_total_after === null ? 'unlimited' : formatNumber(m.stock_total_after)}</TableCell>
                  <TableCell>{m.reason}</TableCell><TableCell>{m.actor}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Scroll>
      )}
    </Box>
  );
}

export function RewardShow() {
  return (
    <Show title="Reward" actions={<TopToolbar><EditButton /></TopToolbar>}>
      <SimpleShowLayout>
        <TextField source="code" />
        <TextField source="name" />
        <TextField source="type" />
        <FunctionField label="Points cost" render={(r: Reward) => formatNumber(r.points_cost)} />
        <FunctionField label="Value" render={(r: Reward) => formatMoney(r.value)} />
        <FunctionField label="Stock" render={stockText} />
        <BooleanField source="refundable_on_cancel" label="A cancel gives the points back" />
        <BooleanField source="active" />
        <Movements />
      </SimpleShowLayout>
    </Show>
  );
}

function CancelIssued({ userId, reward, onDone }: { userId: string; reward: UserReward; onDone: () => void }) {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (reward.status !== 'issued' && reward.status !== 'active') return null;
  const run = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) { setError('A reason is required'); return; }
    try {
      await dp.cancelUserReward(userId, reward.id, reason.trim());
      notify('Reward cancelled', { type: 'success' });
      setOpen(false);
      onDone();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <Button size="small" color="error" aria-label={`Cancel issued reward ${reward.id}`} onClick={() => setOpen(true)}>Cancel…</Button>
      <Dialog open={open} onClose={() => setOpen(false)} aria-labelledby={`cancel-ur-${reward.id}`}>
        <form onSubmit={(e) => void run(e)} noValidate>
          <DialogTitle id={`cancel-ur-${reward.id}`}>Cancel “{reward.reward_name}”?</DialogTitle>
          <DialogContent>
            <DialogContentText>The reward stops being valid; if the reward is refundable on cancel, its {formatNumber(reward.points_cost)} points go back to the resident.</DialogContentText>
            <MuiTextField label="Reason (required)" value={reason} onChange={(e) => setReason(e.target.value)} required fullWidth margin="normal" autoFocus />
            {error && <Alert severity="error" role="alert">{error}</Alert>}
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setOpen(false)}>Keep it</Button>
            <Button type="submit" variant="contained" color="error">Cancel reward</Button>
          </DialogActions>
        </form>
      </Dialog>
    </>
  );
}

/** A resident's issued rewards, looked up by id, each with cancel. */
export function IssuedRewardsPage() {
  const { userId } = useParams();
  const navigate = useNavigate();
  const [input, setInput] = useState(userId ?? '');
  const [rows, setRows] = useState<UserReward[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!userId) return;
    api<{ data: UserReward[] }>(`/v1/users/${encodeURIComponent(userId)}/rewards`, { query: { limit: 100 } }).then((b) => { setRows(b.data); setError(null); }, (e: Error) => setError(e.message));
  }, [userId, n]);
  return (
    <Card sx={{ mt: 1 }}>
      <Title title="Issued rewards" />
      <CardContent>
        <Typography component="h1" variant="h5" gutterBottom>Issued rewards</Typography>
        <Box component="form" sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'flex-start' }} onSubmit={(e) => { e.preventDefault(); if (isUuid(input)) navigate(`/issued-rewards/${input.trim()}`); else setError('A resident id is a UUID'); }}>
          <MuiTextField label="Resident id" value={input} onChange={(e) => setInput(e.target.value)} size="small" sx={{ minWidth: { xs: '100%', sm: 380 } }} />
          <Button type="submit" variant="contained">Show rewards</Button>
        </Box>
        {error && <Alert severity="error" role="alert" sx={{ mt: 1 }}>{error}</Alert>}
        {rows && rows.length === 0 && <Typography sx={{ mt: 1 }}>No rewards.</Typography>}
        {rows && rows.length > 0 && userId && (
          <Scroll>
            <Table size="small" aria-label="The resident's rewards" sx={{ mt: 1 }}>
              <TableHead><TableRow><TableCell>Reward</TableCell><TableCell>Status</TableCell><TableCell>Source</TableCell><TableCell align="right">Points</TableCell><TableCell>Issued</TableCell><TableCell>Expires</TableCell><TableCell>Actions</TableCell></TableRow></TableHead>
              <TableBody>
                {rows.map((r) => (
                  <TableRow key={r.id}>
                    <TableCell>{r.reward_name} ({r.reward_code})</TableCell><TableCell>{r.status}{r.cancel_reason ? ` (${r.cancel_reason})` : ''}</TableCell><TableCell>{r.source}</TableCell>
                    <TableCell align="right">{formatNumber(r.points_cost)}</TableCell><TableCell>{formatTime(r.issued_at)}</TableCell><TableCell>{formatTime(r.expires_at)}</TableCell>
                    <TableCell><CancelIssued userId={userId} reward={r} onDone={() => setN((x) => x + 1)} /></TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Scroll>
        )}
      </CardContent>
    </Card>
  );
}
