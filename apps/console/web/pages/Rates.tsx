import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Title, useNotify } from 'react-admin';
import { Alert, Box, Button, Card, CardContent, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { api } from '../api';
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

function TiersCard() {
  const tiers = useQuery({ queryKey: ['tiers'], queryFn: () => api<{ tiers: Tier[] }>('/v1/tiers') });
  return (
    <Card component="section" aria-labelledby="tiers-title" sx={{ mt: 2 }}>
      <CardContent>
        <Typography id="tiers-title" component="h2" variant="h6">Tiers</Typography>
        {tiers.error && <Alert severity="error" role="alert">{tiers.error.message}</Alert>}
        {tiers.data && (
          <TableContainer tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
            <Table size="small" aria-label="Tiers">
              <TableHead><TableRow><TableCell>Tier</TableCell><TableCell>Code</TableCell><TableCell>From lifetime points</TableCell><TableCell>Points multiplier</TableCell></TableRow></TableHead>
              <TableBody>
                {tiers.data.tiers.map((t) => (
                  <TableRow key={t.code}>
                    <TableCell component="th" scope="row">{t.name}</TableCell>
                    <TableCell>{t.code}</TableCell>
                    <TableCell>{formatNumber(t.min_lifetime_points)}</TableCell>
                    <TableCell>×{formatNumber(t.multiplier_bp / 10000)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
      </CardContent>
    </Card>
  );
}
