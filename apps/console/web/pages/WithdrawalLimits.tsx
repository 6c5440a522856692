// The withdrawal limits: shown and edited in one form (amounts typed in rands, sent in cents). Saving
// needs an admin token (a person): the withdrawals-service records who changed them.
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Title, useDataProvider, useNotify } from 'react-admin';
import { Alert, Box, Button, Card, CardContent, Grid, TextField, Typography } from '@mui/material';
import { api, fieldErrors, whoAmI } from '../api';
import type { ConsoleActions, WithdrawalLimits } from '../dataProvider';
import { formatMoney, parseRands } from '../format';

type Field = keyof WithdrawalLimits;
const MONEY: { field: Field; label: string; help: string }[] = [
  { field: 'min_amount', label: 'Smallest withdrawal (R)', help: 'The least one request may ask for' },
  { field: 'max_amount', label: 'Largest withdrawal (R)', help: 'The most one request may ask for' },
  { field: 'daily_amount', label: 'Per resident per day (R)', help: 'The total a resident may ask for in a local day' },
  { field: 'two_approvals_from', label: 'Two approvers from (R)', help: 'From this amount two different admins must approve' },
];
const WHOLE: { field: Field; label: string; help: string; min: number; max: number }[] = [
  { field: 'daily_count', label: 'Requests per resident per day', help: '1 to 1 000', min: 1, max: 1000 },
  { field: 'max_open', label: 'Open requests per resident', help: 'Undecided or unpaid at once, 1 to 100', min: 1, max: 100 },
  { field: 'cooling_off_hours', label: 'Cooling-off (hours)', help: 'A request to a new or changed destination within this time goes to review; 0 for none', min: 0, max: 8760 },
  { field: 'expire_after_hours', label: 'Undecided requests expire after (hours)', help: 'The held money goes back then', min: 1, max: 8760 },
];
const rands = (cents: number) => (cents / 100).toFixed(2).replace('.', ',');

export function WithdrawalLimitsPage() {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const qc = useQueryClient();
  const me = whoAmI();
  const limits = useQuery({ queryKey: ['withdrawal-limits'], queryFn: () => api<WithdrawalLimits>('/v1/withdrawals/limits') });
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const l = limits.data;
    if (!l) return;
    setDraft({
      ...Object.fromEntries(MONEY.map((m) => [m.field, rands(Number(l[m.field]))])),
      ...Object.fromEntries(WHOLE.map((w) => [w.field, String(l[w.field])])),
      time_zone: l.time_zone,
    });
  }, [limits.data]);
  const save = useMutation({
    mutationFn: (l: WithdrawalLimits) => dp.saveWithdrawalLimits(l),
    onSuccess: () => { notify('Withdrawal limits saved', { type: 'success' }); setError(null); setProblems({}); void qc.invalidateQueries({ queryKey: ['withdrawal-limits'] }); },
    onError: (err: Error) => { setError(err.message); setProblems(fieldErrors(err)); },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    const out: Record<string, string | number> = {};
    for (const m of MONEY) {
      const cents = parseRands(draft[m.field] ?? '');
      if (cents === null || cents < 1) found[m.field] = 'An amount in rands, e.g. 1 000,00';
      else out[m.field] = cents;
    }
    for (const w of WHOLE) {
      const t = (draft[w.field] ?? '').trim();
      const n = /^\d{1,5}$/.test(t) ? Number(t) : null;
      if (n === null || n < w.min || n > w.max) found[w.field] = `A whole number from ${w.min} to ${w.max}`;
      else out[w.field] = n;
    }
    const tz = (draft.time_zone ?? '').trim();
    if (!tz) found.time_zone = 'A time zone, e.g. Africa/Johannesburg';
    out.time_zone = tz;
    setProblems(found);
    if (Object.keys(found).length) { setError('Check the marked fields'); return; }
    setError(null);
    save.mutate(out as unknown as WithdrawalLimits);
  };
  const input = (field: string, labelText: string, help: string, inputMode: 'decimal' | 'numeric' | 'text') => (
    <TextField
      label={labelText} name={field} value={draft[field] ?? ''} onChange={(e) => setDraft((d) => ({ ...d, [field]: e.target.value }))} fullWidth required
      error={Boolean(problems[field])} helperText={problems[field] ?? help} slotProps={{ htmlInput: { inputMode } }}
    />
  );
  return (
    <Box component="section" aria-labelledby="limits-title" sx={{ mt: 1, mb: 2 }}>
      <Title title="Withdrawal limits" />
      <Typography id="limits-title" component="h1" variant="h5" sx={{ mb: 1 }}>Withdrawal limits</Typography>
      <Card>
        <CardContent>
          {limits.error && <Alert severity="error" role="alert">{limits.error.message}</Alert>}
          {me && !me.person && <Alert severity="info" sx={{ mb: 2 }}>Signed in with an API key: changing the limits needs an admin token (a person), so saving is disabled.</Alert>}
          {limits.data && (
            <form onSubmit={submit} aria-label="Withdrawal limits" noValidate>
              <Typography variant="body2" sx={{ mb: 2 }} data-testid="limits-now">
                In force: {formatMoney(limits.data.min_amount)} to {formatMoney(limits.data.max_amount)} a request, {formatMoney(limits.data.daily_amount)} and {limits.data.daily_count} requests a day per resident; two approvers from {formatMoney(limits.data.two_approvals_from)}.
              </Typography>
              <Grid container spacing={2}>
                {MONEY.map((m) => <Grid key={m.field} size={{ xs: 12, sm: 6, md: 3 }}>{input(m.field, m.label, draft[m.field] && parseRands(draft[m.field]!) !== null ? formatMoney(parseRands(draft[m.field]!)) : m.help, 'decimal')}</Grid>)}
                {WHOLE.map((w) => <Grid key={w.field} size={{ xs: 12, sm: 6, md: 3 }}>{input(w.field, w.label, w.help, 'numeric')}</Grid>)}
                <Grid size={{ xs: 12, sm: 6, md: 3 }}>{input('time_zone', 'Time zone of the daily limits', 'e.g. Africa/Johannesburg', 'text')}</Grid>
              </Grid>
              {error && <Alert severity="error" role="alert" sx={{ mt: 2 }}>{error}</Alert>}
              <Button type="submit" variant="contained" sx={{ mt: 2 }} disabled={save.isPending || !me?.person}>Save limits</Button>
            </form>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}
