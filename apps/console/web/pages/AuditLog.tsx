// The audit log: who did what and when through the gateway — approvals, adjustments, key changes,
// rate changes — with the note each was given; filterable by who, what, on what and when, and
// exported as CSV (every page of the current filter).
import { Datagrid, DateTimeInput, FunctionField, List, TextInput, downloadCSV, type Exporter, type RaRecord } from 'react-admin';
import { Box, Typography } from '@mui/material';
import { formatTime, toCsv } from '../format';
import { ListActions } from '../ListActions';
import { Wide } from '../Wide';

export interface AuditEntry extends RaRecord {
  at: string; actor_kind: 'user' | 'service'; actor_id: string; actor_key: string | null; method: string; route: string; permission: string;
  targets: string[]; status: number; outcome: 'succeeded' | 'refused' | 'unknown'; replayed: boolean; note: string | null; request_id: string;
}

const who = (e: AuditEntry) => (e.actor_kind === 'user' ? `admin ${e.actor_id}` : `key ${e.actor_key ?? ''} (${e.actor_id})`);
const outcome = (e: AuditEntry) => `${e.outcome} (${e.status})${e.replayed ? ', replayed' : ''}`;

const filters = [
  <TextInput key="action" source="action" label="Action contains" helperText="e.g. approve, adjustments, api-keys" alwaysOn resettable />,
  <TextInput key="actor" source="actor" label="Who (user, service or key id)" alwaysOn resettable />,
  <TextInput key="target" source="target" label="On (an id)" alwaysOn resettable />,
  <DateTimeInput key="from" source="from" label="From (SAST)" alwaysOn />,
  <DateTimeInput key="to" source="to" label="Before (SAST)" alwaysOn />,
];

const COLUMNS = [
  { key: 'at', label: 'When (UTC)' }, { key: 'who', label: 'Who' }, { key: 'action', label: 'Action' }, { key: 'permission', label: 'Permission' },
  { key: 'targets', label: 'On' }, { key: 'outcome', label: 'Outcome' }, { key: 'note', label: 'Note' }, { key: 'request_id', label: 'Request id' },
];

/** The export: every entry of the current filter (up to 1,000, gathered from the API's pages) as CSV. */
const exportAuditLog: Exporter<AuditEntry> = (records) => {
  downloadCSV(toCsv(COLUMNS, records.map((e) => ({ ...e, who: who(e), action: `${e.method} ${e.route}`, targets: e.targets.join(' '), outcome: outcome(e) }))), 'audit-log');
};

export function AuditLogList() {
  return (
    <List actions={<ListActions />} title="Audit log" filters={filters} perPage={25} empty={false} exporter={exportAuditLog} sort={{ field: 'at', order: 'DESC' }}>
      <Typography variant="body2" sx={{ mx: 2, mt: 1 }}>Every write by an admin, and every administrative write by an API key, through the gateway, newest first, with its note (destinations masked). Reads, residents’ own actions and keys’ everyday earns, redemptions, donations and requests are not listed.</Typography>
      <Box tabIndex={0} role="region" aria-label="Audit log (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 32px)', sm: '100%' } }}>
        <Datagrid bulkActionButtons={false} rowClick={false}>
          <FunctionField label="When" render={(e: AuditEntry) => formatTime(e.at)} sortable={false} />
          <FunctionField label="Who" render={(e: AuditEntry) => <Wide min={200}>{who(e)}</Wide>} sortable={false} />
          <FunctionField label="Action" render={(e: AuditEntry) => <Wide min={220}>{`${e.method} ${e.route}`}</Wide>} sortable={false} />
          <FunctionField label="On" render={(e: AuditEntry) => <Wide min={200}>{e.targets.length ? e.targets.join(', ') : '—'}</Wide>} sortable={false} />
          <FunctionField label="Outcome" render={(e: AuditEntry) => outcome(e)} sortable={false} />
          <FunctionField label="Note" render={(e: AuditEntry) => <Wide min={160}>{e.note ?? '—'}</Wide>} sortable={false} />
        </Datagrid>
      </Box>
    </List>
  );
}
