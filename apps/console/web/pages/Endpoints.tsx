import { useState } from 'react';
import {
  BooleanField, Create, Datagrid, FunctionField, List, ListBase, Pagination, SelectInput, Show, SimpleForm, SimpleShowLayout, TextField, TextInput, FilterForm,
  required, useDataProvider, useNotify, useRecordContext, useRefresh, type RaRecord,
} from 'react-admin';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Table, TableBody, TableCell, TableHead, TableRow, TextField as MuiTextField, Typography } from '@mui/material';
import { api } from '../api';
import type { ConsoleActions } from '../dataProvider';
import { formatTime } from '../format';
import { ListActions } from '../ListActions';

interface Endpoint extends RaRecord { url: string; events: string[]; enabled: boolean; description: string | null; disabled_reason: string | null; failing_since: string | null; created_at: string }
interface Delivery extends RaRecord { event_type: string; status: string; attempt_count: number; next_attempt_at: string | null; last_attempt_at: string | null; delivered_at: string | null; created_at: string }

export function EndpointList() {
  return (
    <List actions={<ListActions />} empty={false} title="Webhook endpoints" sort={{ field: 'created_at', order: 'DESC' }} filters={[<TextInput key="q" source="q" label="Search" alwaysOn />]}>
      <Box tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
        <Datagrid bulkActionButtons={false} rowClick="show">
          <TextField source="url" label="URL" />
          <FunctionField label="Events" render={(r: Endpoint) => r.events.join(', ')} />
          <BooleanField source="enabled" />
          <FunctionField label="Failing since" render={(r: Endpoint) => formatTime(r.failing_since)} />
          <FunctionField label="Created" source="created_at" render={(r: Endpoint) => formatTime(r.created_at)} />
        </Datagrid>
      </Box>
    </List>
  );
}

export function EndpointCreate() {
  const transform = (d: Record<string, unknown>) => ({
    url: d.url, description: d.description || undefined,
    events: String(d.events ?? '').split(/[\s,]+/).filter(Boolean),
  });
  return (
    <Create title="Add a webhook endpoint" transform={transform} redirect="show">
      <SimpleForm>
        <TextInput source="url" label="URL" validate={required()} fullWidth helperText="https://partner.example/webhooks" />
        <TextInput source="events" validate={required()} fullWidth helperText="Event types, separated by commas (e.g. wallet_update, collection_recorded)" />
        <TextInput source="description" fullWidth />
      </SimpleForm>
    </Create>
  );
}

function RecoverButton() {
  const record = useRecordContext<Endpoint>();
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const [since, setSince] = useState(() => new Date(Date.now() - 86_400_000).toISOString().slice(0, 16));
  if (!record) return null;
  const run = async () => {
    try {
      const r = await dp.recoverEndpoint(String(record.id), new Date(since).toISOString());
      notify(`Recovery queued${typeof r.requeued === 'number' ? `: ${r.requeued} deliveries` : ''}`, { type: 'success' });
      setOpen(false);
      refresh();
    } catch (err) {
      notify((err as Error).message, { type: 'error' });
    }
  };
  return (
    <>
      <Button variant="outlined" onClick={() => setOpen(true)}>Recover failed deliveries…</Button>
      <Dialog open={open} onClose={() => setOpen(false)} aria-labelledby="recover-title">
        <DialogTitle id="recover-title">Recover deliveries of {record.url}</DialogTitle>
        <DialogContent>
          <DialogContentText>Re-enables the endpoint and sends again every failed or dead delivery since the time below (this browser’s time zone).</DialogContentText>
          <MuiTextField type="datetime-local" label="Since" value={since} onChange={(e) => setSince(e.target.value)} margin="normal" fullWidth slotProps={{ inputLabel: { shrink: true } }} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button variant="contained" onClick={() => void run()}>Recover</Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

function RetryButton({ record }: { record: Delivery }) {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const refresh = useRefresh();
  if (record.status !== 'dead' && record.status !== 'failed') return null;
  return (
    <Button size="small" aria-label={`Retry delivery ${record.id}`} onClick={async (e) => {
      e.stopPropagation();
      try {
        await dp.retryDelivery(String(record.id));
        notify('Delivery queued again', { type: 'success' });
        refresh();
      } catch (err) {
        notify((err as Error).message, { type: 'error' });
      }
    }}>Retry</Button>
  );
}

interface Attempt { id: string; attempt: number; attempted_at: string; status_code: number | null; duration_ms: number | null; response_snippet: string | null; error: string | null }

/** A delivery's attempt log, in a dialog. */
function AttemptsButton({ record }: { record: Delivery }) {
  const [open, setOpen] = useState(false);
  const [attempts, setAttempts] = useState<Attempt[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = async () => {
    setOpen(true);
    setAttempts(null);
    try {
      setAttempts((await api<{ attempts: Attempt[] }>(`/v1/webhooks/deliveries/${encodeURIComponent(String(record.id))}`)).attempts);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const titleId = `attempts-${record.id}`;
  return (
    <>
      <Button size="small" aria-label={`Attempts of delivery ${record.id}`} onClick={(e) => { e.stopPropagation(); void show(); }}>Attempts</Button>
      <Dialog open={open} onClose={() => setOpen(false)} aria-labelledby={titleId} maxWidth="md" fullWidth>
        <DialogTitle id={titleId}>Attempts of the {record.event_type} delivery</DialogTitle>
        <DialogContent>
          {error && <Alert severity="error" role="alert">{error}</Alert>}
          {attempts && attempts.length === 0 && <Typography>No attempt yet.</Typography>}
          {attempts && attempts.length > 0 && (
            <Box tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto' }}>
              <Table size="small" aria-labelledby={titleId}>
                <TableHead><TableRow><TableCell>#</TableCell><TableCell>When</TableCell><TableCell>HTTP status</TableCell><TableCell>Duration</TableCell><TableCell>Error / answer</TableCell></TableRow></TableHead>
                <TableBody>
                  {attempts.map((a) => (
                    <TableRow key={a.id}>
                      <TableCell>{a.attempt}</TableCell><TableCell>{formatTime(a.attempted_at)}</TableCell><TableCell>{a.status_code ?? '—'}</TableCell>
                      <TableCell>{a.duration_ms === null ? '—' : `${a.duration_ms} ms`}</TableCell><TableCell sx={{ overflowWrap: 'anywhere' }}>{a.error || a.response_snippet || '—'}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Box>
          )}
        </DialogContent>
        <DialogActions><Button onClick={() => setOpen(false)}>Close</Button></DialogActions>
      </Dialog>
    </>
  );
}

/** Sends the endpoint an example event of one of its types (a real, signed delivery). */
function TestSendButton() {
  const record = useRecordContext<Endpoint>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [type, setType] = useState('');
  if (!record) return null;
  const send = async () => {
    try {
      const r = await api<{ delivery_id: string; event_type: string }>(`/v1/webhooks/endpoints/${encodeURIComponent(String(record.id))}/test`, { method: 'POST', body: type ? { event_type: type } : {} });
      notify(`Test ${r.event_type} queued (delivery ${r.delivery_id})`, { type: 'success' });
      refresh();
    } catch (err) {
      notify((err as Error).message, { type: 'error' });
    }
  };
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap', mt: 1 }}>
      <MuiTextField select size="small" label="Test event type" value={type} onChange={(e) => setType(e.target.value)} sx={{ minWidth: 220 }} slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}>
        <option value="">first subscribed</option>
        {record.events.map((t) => <option key={t} value={t}>{t}</option>)}
      </MuiTextField>
      <Button variant="outlined" onClick={() => void send()}>Send a test event</Button>
    </Box>
  );
}

const STATUSES = ['pending', 'delivered', 'failed', 'dead'].map((s) => ({ id: s, name: s }));

function Deliveries() {
  const record = useRecordContext<Endpoint>();
  if (!record) return null;
  return (
    <Box component="section" aria-labelledby="deliveries-title" sx={{ mt: 2 }}>
      <Typography id="deliveries-title" component="h2" variant="h6">Deliveries</Typography>
      <ListBase resource="deliveries" filter={{ endpoint_id: record.id }} perPage={25} disableSyncWithLocation sort={{ field: 'created_at', order: 'DESC' }}>
        <FilterForm filters={[<SelectInput key="status" source="status" label="Status" choices={STATUSES} alwaysOn emptyText="any" />]} />
        <Box tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
          <Datagrid bulkActionButtons={false} rowClick={false} empty={<Typography>No deliveries.</Typography>}>
            <FunctionField label="Created" render={(r: Delivery) => formatTime(r.created_at)} sortable={false} />
            <TextField source="event_type" label="Event" sortable={false} />
            <TextField source="status" sortable={false} />
            <TextField source="attempt_count" label="Attempts" sortable={false} />
            <FunctionField label="Last attempt" render={(r: Delivery) => formatTime(r.last_attempt_at)} sortable={false} />
            <FunctionField label="Next attempt" render={(r: Delivery) => formatTime(r.next_attempt_at)} sortable={false} />
            <FunctionField label="Actions" render={(r: Delivery) => <Box sx={{ display: 'flex', gap: 1 }}><AttemptsButton record={r} /><RetryButton record={r} /></Box>} sortable={false} />
          </Datagrid>
        </Box>
        <Pagination rowsPerPageOptions={[25, 50, 100]} />
      </ListBase>
    </Box>
  );
}

export function EndpointShow() {
  return (
    <Show title="Webhook endpoint">
      <SimpleShowLayout>
        <TextField source="url" label="URL" />
        <FunctionField label="Events" render={(r: Endpoint) => r.events.join(', ')} />
        <TextField source="description" emptyText="—" />
        <BooleanField source="enabled" />
        <TextField source="disabled_reason" label="Disabled because" emptyText="—" />
        <FunctionField label="Failing since" render={(r: Endpoint) => formatTime(r.failing_since)} />
        <RecoverButton />
        <TestSendButton />
        <Deliveries />
      </SimpleShowLayout>
    </Show>
  );
}
