import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Title, useDataProvider, useNotify } from 'react-admin';
import { Alert, Box, Button, Card, CardContent, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { api, fieldErrors } from '../api';
import type { ConsoleActions, TierInput } from '../dataProvider';
import { formatMoney, formatNumber, formatTime, parseRands } from '../format';

interface RateCardLine { code: string; name: string; cents_per_kg: number; points_per_kg: number; fund_share_bp: number }
interface RateCard { version: number; effective_from: string; materials: RateCardLine[] }
interface Tier { code: string; name: string; min_lifetime_points: number; multiplier_bp: number }

type Draft = Record<string, { rands: string; points: string; fund: string }>;

export function RatesPage() {
  return (
    <Box component="section" aria-labelledby="rates-title" sx={{ mt: 1, mb: 2 }}>
      <Title title="Rate card & tiers" />
      <Typography id="rates-title" component="h1" variant="h5" sx={{ mb: 1 }}>Rate card &amp; tiers</Typography>
      <RateCardCard />
      <TiersCard />
    </Box>
  );
}

function RateCardCard() {
  const notify = useNotify();
  const qc = useQueryClient();
  const card = useQuery({ queryKey: ['rate-card'], queryFn: () => api<RateCard>('/v1/materials') });
  const [draft, setDraft] = useState<Draft>({});
  useEffect(() => {
    if (card.data) setDraft(Object.fromEntries(card.data.materials.map((m) => [m.code, { rands: (m.cents_per_kg / 100).toFixed(2).replace('.', ','), points: String(m.points_per_kg), fund: String(m.fund_share_bp / 100) }])));
  }, [card.data]);
  const publish = useMutation({
    mutationFn: (materials: { code: string; name: string; cents_per_kg: number; points_per_kg: number; fund_share_bp: number }[]) => api<RateCard>('/v1/materials/rate-card', { method: 'PUT', body: { materials } }),
    onSuccess: (c) => { notify(`Rate card version ${c.version} published`, { type: 'success' }); void qc.invalidateQueries({ queryKey: ['rate-card'] }); },
    onError: (err: Error) => notify(err.message, { type: 'error' }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!card.data) return;
    const lines = [];
    for (const m of card.data.materials) {
      const d = draft[m.code]!;
      const cents = parseRands(d.rands);
      const points = /^\d{1,9}$/.test(d.points.trim()) ? Number(d.points.trim()) : null;
      const fund = /^\d{1,3}([.,]\d{1,2})?$/.test(d.fund.trim()) ? Math.round(Number(d.fund.trim().replace(',', '.')) * 100) : null;
      if (cents === null || cents < 0 || points === null || fund === null || fund > 10000) { notify(`Check the figures of ${m.name}`, { type: 'error' }); return; }
      lines.push({ code: m.code, name: m.name, cents_per_kg: cents, points_per_kg: points, fund_share_bp: fund });
    }
    publish.mutate(lines);
  };
  const set = (code: string, field: 'rands' | 'points' | 'fund', value: string) => setDraft((d) => ({ ...d, [code]: { ...d[code]!, [field]: value } }));
  return (
    <Card component="section" aria-labelledby="card-title">
      <CardContent>
        <Typography id="card-title" component="h2" variant="h6">Rate card in force</Typography>
        {card.error && <Alert severity="error" role="alert">{card.error.message}</Alert>}
        {card.data && (
          <form onSubmit={submit} aria-label="Rate card">
            <Typography variant="body2">Version {card.data.version}, in force since {formatTime(card.data.effective_from)}. Change figures and publish a new version (it takes effect now; collections before keep their version).</Typography>
            <TableContainer tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
              <Table size="small" aria-label="Rate card">
                <TableHead>
                  <TableRow><TableCell>Material</TableCell><TableCell>Rate per kg</TableCell><TableCell>Points per kg</TableCell><TableCell>Fund share (%)</TableCell></TableRow>
                </TableHead>
                <TableBody>
                  {card.data.materials.map((m) => (
                    <TableRow key={m.code}>
                      <TableCell component="th" scope="row">{m.name} <Typography variant="caption" component="span">({m.code}, now {formatMoney(m.cents_per_kg)}/kg)</Typography></TableCell>
                      <TableCell><TextField size="small" value={draft[m.code]?.rands ?? ''} onChange={(e) => set(m.code, 'rands', e.target.value)} slotProps={{ htmlInput: { 'aria-label': `Rate per kg of ${m.name} (R)`, inputMode: 'decimal' } }} sx={{ width: 110 }} /></TableCell>
                      <TableCell><TextField size="small" value={draft[m.code]?.points ?? ''} onChange={(e) => set(m.code, 'points', e.target.value)} slotProps={{ htmlInput: { 'aria-label': `Points per kg of ${m.name}`, inputMode: 'numeric' } }} sx={{ width: 90 }} /></TableCell>
                      <TableCell><TextField size="small" value={draft[m.code]?.fund ?? ''} onChange={(e) => set(m.code, 'fund', e.target.value)} slotProps={{ htmlInput: { 'aria-label': `Fund share of ${m.name} (%)`, inputMode: 'decimal' } }} sx={{ width: 80 }} /></TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
            <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={publish.isPending}>Publish a new version</Button>
          </form>
        )}
      </CardContent>
    </Card>
  );
}

interface TierDraft { key: number; code: string; name: string; min: string; multiplier: string }
const toDraft = (t: Tier, key: number): TierDraft => ({ key, code: t.code, name: t.name, min: String(t.min_lifetime_points), multiplier: (t.multiplier_bp / 10000).toString().replace('.', ',') });

/** The tier ladder, edited as a whole: each tier's name, code, lifetime points threshold and points multiplier (×1,25 = 12 500 bp). */
function TiersCard() {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const qc = useQueryClient();
  const tiers = useQuery({ queryKey: ['tiers'], queryFn: () => api<{ tiers: Tier[] }>('/v1/tiers') });
  const [draft, setDraft] = useState<TierDraft[]>([]);
  const [next, setNext] = useState(1000);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (tiers.data) setDraft(tiers.data.tiers.map(toDraft));
  }, [tiers.data]);
  const save = useMutation({
    mutationFn: (ladder: TierInput[]) => dp.saveTiers(ladder),
    onSuccess: () => { notify('Tiers saved', { type: 'success' }); setError(null); setProblems({}); void qc.invalidateQueries({ queryKey: ['tiers'] }); },
    onError: (err: Error) => { setError(err.message); setProblems(fieldErrors(err)); },
  });
  const set = (key: number, field: keyof Omit<TierDraft, 'key'>, value: string) => setDraft((d) => d.map((t) => (t.key === key ? { ...t, [field]: value } : t)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    const ladder: TierInput[] = draft.map((t, i) => {
      const min = /^\d{1,15}$/.test(t.min.trim()) ? Number(t.min.trim()) : null;
      const mult = /^\d{1,2}([.,]\d{1,4})?$/.test(t.multiplier.trim()) ? Math.round(Number(t.multiplier.trim().replace(',', '.')) * 10000) : null;
      if (!/^[a-z][a-z0-9_]{0,39}$/.test(t.code.trim())) found[`tiers.${i}.code`] = 'small letters, digits and _, starting with a letter';
      if (!t.name.trim()) found[`tiers.${i}.name`] = 'is required';
      if (min === null) found[`tiers.${i}.min_lifetime_points`] = 'whole points, e.g. 500';
      if (mult === null || mult > 100000) found[`tiers.${i}.multiplier_bp`] = 'a multiplier up to 10, e.g. 1,25';
      return { code: t.code.trim(), name: t.name.trim(), min_lifetime_points: min ?? 0, multiplier_bp: mult ?? 0 };
    });
    setProblems(found);
    if (Object.keys(found).length) { setError('Check the marked figures'); return; }
    setError(null);
    save.mutate(ladder);
  };
  const cell = (t: TierDraft, i: number, field: keyof Omit<TierDraft, 'key'>, apiField: string, name: string, width: number, inputMode?: 'numeric' | 'decimal') => {
    const problem = problems[`tiers.${i}.${apiField}`];
    return (
      <TextField
        size="small" value={t[field]} onChange={(e) => set(t.key, field, e.target.value)} error={Boolean(problem)} helperText={problem}
        slotProps={{ htmlInput: { 'aria-label': `${name} of tier ${i + 1}`, inputMode } }} sx={{ width }}
      />
    );
  };
  return (
    <Card component="section" aria-labelledby="tiers-title" sx={{ mt: 2 }}>
      <CardContent>
        <Typography id="tiers-title" component="h2" variant="h6">Tiers</Typography>
        {tiers.error && <Alert severity="error" role="alert">{tiers.error.message}</Alert>}
        {tiers.data && (
          <form onSubmit={submit} aria-label="Tiers" noValidate>
            <Typography variant="body2">A resident’s tier is the highest whose threshold their lifetime points reach; the lowest tier starts at 0. The multiplier scales the points of each collection. Saving replaces the whole ladder.</Typography>
            <TableContainer tabIndex={0} role="region" aria-label="Tiers table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
              <Table size="small" aria-label="Tiers" sx={{ minWidth: 760 }}>
                <TableHead><TableRow><TableCell>Tier</TableCell><TableCell>Code</TableCell><TableCell>From lifetime points</TableCell><TableCell>Points multiplier (×)</TableCell><TableCell>Now</TableCell><TableCell>Actions</TableCell></TableRow></TableHead>
                <TableBody>
                  {draft.map((t, i) => {
                    const now = tiers.data.tiers.find((x) => x.code === t.code);
                    return (
                      <TableRow key={t.key}>
                        <TableCell>{cell(t, i, 'name', 'name', 'Name', 160)}</TableCell>
                        <TableCell>{cell(t, i, 'code', 'code', 'Code', 120)}</TableCell>
                        <TableCell>{cell(t, i, 'min', 'min_lifetime_points', 'Lifetime points threshold', 120, 'numeric')}</TableCell>
                        <TableCell>{cell(t, i, 'multiplier', 'multiplier_bp', 'Points multiplier', 90, 'decimal')}</TableCell>
                        <TableCell>{now ? `${formatNumber(now.min_lifetime_points)} points, ×${formatNumber(now.multiplier_bp / 10000)}` : 'new'}</TableCell>
                        <TableCell><Button size="small" color="error" onClick={() => setDraft((d) => d.filter((x) => x.key !== t.key))} disabled={draft.length <= 1} aria-label={`Remove tier ${i + 1} (${t.name || 'unnamed'})`}>Remove</Button></TableCell>
                      </TableRow>
                    );
                  })}
                </TableBody>
              </Table>
            </TableContainer>
            {error && <Alert severity="error" role="alert" sx={{ mt: 1 }}>{error}</Alert>}
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}>
              <Button onClick={() => { setDraft((d) => [...d, { key: next, code: '', name: '', min: '', multiplier: '1' }]); setNext((n) => n + 1); }} disabled={draft.length >= 20}>Add a tier</Button>
              <Button onClick={() => { setDraft(tiers.data.tiers.map(toDraft)); setProblems({}); setError(null); }}>Undo changes</Button>
              <Button type="submit" variant="contained" disabled={save.isPending}>Save tiers</Button>
            </Box>
          </form>
        )}
      </CardContent>
    </Card>
  );
}
