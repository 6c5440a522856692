import { useQuery } from '@tanstack/react-query';
import { Datagrid, FunctionField, List, TextField, type RaRecord } from 'react-admin';
import { Box, Card, CardContent, Chip, Typography } from '@mui/material';
import { api } from '../api';
import { formatTime } from '../format';
import { ListActions } from '../ListActions';

interface Service extends RaRecord { name: string; type: string; base_url: string; health_status: string; last_heartbeat_at: string | null; last_probe_at: string | null; last_probe_ok: boolean | null; last_probe_error: string | null }

const colour = (s: string) => (s === 'healthy' ? 'success' : s === 'unknown' ? 'default' : 'error') as 'success' | 'default' | 'error';

function HealthSummary() {
  const health = useQuery({ queryKey: ['external-health'], queryFn: () => api<{ data: { id: string; name: string; health_status: string }[] }>('/v1/external/services/health'), refetchInterval: 30_000 });
  const counts = (health.data?.data ?? []).reduce<Record<string, number>>((c, s) => ({ ...c, [s.health_status]: (c[s.health_status] ?? 0) + 1 }), {});
  return (
    <Card sx={{ mt: 1 }} component="section" aria-labelledby="health-title">
      <CardContent>
        <Typography id="health-title" component="h2" variant="h6">Health</Typography>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }} role="status">
          {Object.keys(counts).length === 0 ? <Typography>No services registered.</Typography> : Object.entries(counts).map(([s, n]) => <Chip key={s} label={`${s}: ${n}`} color={colour(s)} />)}
        </Box>
      </CardContent>
    </Card>
  );
}

export function ExternalServiceList() {
  return (
    <>
      <HealthSummary />
      <List actions={<ListActions />} empty={false} title="External services" sort={{ field: 'name', order: 'ASC' }} exporter={undefined}>
        <Box tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
          <Datagrid bulkActionButtons={false} rowClick={false}>
            <TextField source="name" />
            <TextField source="type" />
            <TextField source="base_url" label="Base URL" />
            <FunctionField label="Health" source="health_status" render={(r: Service) => <Chip size="small" label={r.health_status} color={colour(r.health_status)} />} />
            <FunctionField label="Last heartbeat" render={(r: Service) => formatTime(r.last_heartbeat_at)} />
            <FunctionField label="Last probe" render={(r: Service) => (r.last_probe_at ? `${formatTime(r.last_probe_at)} ${r.last_probe_ok ? 'ok' : `failed${r.last_probe_error ? `: ${r.last_probe_error}` : ''}`}` : '—')} />
          </Datagrid>
        </Box>
      </List>
    </>
  );
}
