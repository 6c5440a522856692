import { useState } from 'react';
import {
  BooleanField, CheckboxGroupInput, Create, CreateButton, Datagrid, ExportButton, FunctionField, List, NumberInput, SimpleForm, TextField, TextInput, TopToolbar, required, useDataProvider, useNotify, useRefresh, useRedirect, type RaRecord,
} from 'react-admin';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField as MuiTextField, Typography } from '@mui/material';
import type { ConsoleActions } from '../dataProvider';
import { formatTime } from '../format';
import catalogue from '../permissions.json';

interface ApiKey extends RaRecord { name: string; service_id: string; status: string; bootstrap: boolean; permissions: Record<string, string[]>; created_at: string; expires_at: string | null; last_used_at: string | null; public_id: string }

/** The new key, shown once, with a copy button; gone when the dialog closes. */
function ShownOnce({ created, onClose }: { created: { key: string; name: string } | null; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <Dialog open={Boolean(created)} onClose={onClose} aria-labelledby="key-once-title">
      <DialogTitle id="key-once-title">Your new API key</DialogTitle>
      <DialogContent>
        <DialogContentText>This is the only time the key for “{created?.name}” is shown. Store it now; it cannot be read again.</DialogContentText>
        <MuiTextField label="API key" value={created?.key ?? ''} fullWidth margin="normal" slotProps={{ htmlInput: { readOnly: true, 'data-testid': 'new-api-key' } }} onFocus={(e) => e.target.select()} />
        {copied && <Alert severity="success" role="status">Copied</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => { void navigator.clipboard?.writeText(created?.key ?? '').then(() => setCopied(true), () => setCopied(false)); }}>Copy</Button>
        <Button variant="contained" onClick={() => { setCopied(false); onClose(); }}>I have stored it</Button>
      </DialogActions>
    </Dialog>
  );
}

function KeyActions({ record, onCreated }: { record: ApiKey; onCreated: (k: { key: string; name: string }) => void }) {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [confirm, setConfirm] = useState<'revoke' | 'rotate' | null>(null);
  const [grace, setGrace] = useState('0');
  if (record.bootstrap || record.status !== 'active') return null;
  const run = async () => {
    try {
      if (confirm === 'revoke') {
        await dp.revokeApiKey(String(record.id));
        notify(`Key “${record.name}” revoked`, { type: 'success' });
      } else {
        const graceSeconds = /^\d{1,6}$/.test(grace) ? Number(grace) : 0;
        const created = (await dp.rotateApiKey(String(record.id), graceSeconds)) as { key: string; name: string };
        onCreated({ key: created.key, name: created.name });
      }
      setConfirm(null);
      refresh();
    } catch (err) {
      notify((err as Error).message, { type: 'error' });
    }
  };
  return (
    <Box sx={{ display: 'flex', gap: 1 }}>
      <Button size="small" onClick={(e) => { e.stopPropagation(); setConfirm('rotate'); }} aria-label={`Rotate key ${record.name}`}>Rotate</Button>
      <Button size="small" color="error" onClick={(e) => { e.stopPropagation(); setConfirm('revoke'); }} aria-label={`Revoke key ${record.name}`}>Revoke</Button>
      <Dialog open={confirm !== null} onClose={() => setConfirm(null)} aria-labelledby={`key-${record.id}-title`}>
        <DialogTitle id={`key-${record.id}-title`}>{confirm === 'revoke' ? 'Revoke' : 'Rotate'} “{record.name}”?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            {confirm === 'revoke' ? 'The key stops working now. This cannot be undone.' : 'A replacement key is issued and shown once; the old key is revoked, or keeps working for the grace period.'}
          </DialogContentText>
          {confirm === 'rotate' && <MuiTextField label="Grace period (seconds)" value={grace} onChange={(e) => setGrace(e.target.value)} margin="normal" slotProps={{ htmlInput: { inputMode: 'numeric' } }} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirm(null)}>Cancel</Button>
          <Button variant="contained" color={confirm === 'revoke' ? 'error' : 'primary'} onClick={() => void run()}>{confirm === 'revoke' ? 'Revoke' : 'Rotate'}</Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}

export function ApiKeyList() {
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  return (
    <>
      <List empty={false} title="API keys" sort={{ field: 'created_at', order: 'DESC' }} actions={<TopToolbar><CreateButton label="Create key" /><ExportButton /></TopToolbar>} perPage={25}>
        <Box tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
          <Datagrid bulkActionButtons={false} rowClick={false}>
            <TextField source="name" />
            <TextField source="service_id" label="Service ID" />
            <TextField source="status" />
            <FunctionField label="Permissions" render={(r: ApiKey) => Object.entries(r.permissions).map(([res, acts]) => `${res}: ${acts.join(', ')}`).join('; ')} />
            <BooleanField source="bootstrap" />
            <FunctionField label="Created" source="created_at" render={(r: ApiKey) => formatTime(r.created_at)} />
            <FunctionField label="Last used" render={(r: ApiKey) => formatTime(r.last_used_at)} />
            <FunctionField label="Actions" render={(r: ApiKey) => <KeyActions record={r} onCreated={setCreated} />} />
          </Datagrid>
        </Box>
      </List>
      <ShownOnce created={created} onClose={() => setCreated(null)} />
    </>
  );
}

const RESOURCES = Object.entries(catalogue as Record<string, string[]>);

export function ApiKeyCreate() {
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const redirect = useRedirect();
  const transform = (data: Record<string, unknown>) => {
    const permissions: Record<string, string[]> = {};
    for (const [res] of RESOURCES) {
      const acts = (data[`perm_${res}`] as string[] | undefined) ?? [];
      if (acts.length) permissions[res] = acts;
    }
    const out: Record<string, unknown> = { name: data.name, service_id: data.service_id, permissions };
    if (data.rate_limit_per_minute) out.rate_limit_per_minute = data.rate_limit_per_minute;
    if (data.expires_at) out.expires_at = new Date(String(data.expires_at)).toISOString();
    return out;
  };
  return (
    <>
      <Create title="Create an API key" transform={transform} mutationOptions={{ onSuccess: (data: RaRecord) => setCreated({ key: String(data.key), name: String(data.name) }) }}>
        <SimpleForm>
          <Typography variant="body2">A key grants only what is ticked; it can only grant what you hold. The key is shown once, after creation.</Typography>
          <TextInput source="name" validate={required()} fullWidth helperText="What the key is for, e.g. “notification service (production)”" />
          <TextInput source="service_id" label="Service ID" validate={required()} helperText="Sent as X-Service-ID with the key" />
          <NumberInput source="rate_limit_per_minute" label="Requests per minute (optional)" min={1} max={1000000} />
          <TextInput source="expires_at" label="Expires at (optional)" type="datetime-local" helperText="In this browser’s time zone; empty = until revoked" />
          <Typography component="h2" variant="subtitle1" sx={{ mt: 2 }}>Permissions</Typography>
          {RESOURCES.map(([res, acts]) => (
            <CheckboxGroupInput key={res} source={`perm_${res}`} label={res} choices={acts.map((a) => ({ id: a, name: a }))} helperText={false} />
          ))}
        </SimpleForm>
      </Create>
      <ShownOnce created={created} onClose={() => { setCreated(null); redirect('list', 'api-keys'); }} />
    </>
  );
}
