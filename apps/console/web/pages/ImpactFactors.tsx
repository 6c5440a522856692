// The environmental impact factors (CO2e avoided and water saved per kg of each material): the
// version in force, the history of versions, and publishing a new version (never reaching back: the
// facts already recorded keep the factors of their time).
import { useEffect, useState, type FormEvent } from 'react';
import { Title, useNotify } from 'react-admin';
import { Alert, Box, Button, Card, CardContent, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { api } from '../api';
import { formatNumber, formatTime } from '../format';

interface Factors { co2_g_per_kg: number; water_ml_per_kg: number }
interface Version { version: number; effective_from: string; source: string; others: Factors; materials: (Factors & { material: string })[] }
interface Answer { current: number | null; versions: Version[] }

type Row = { material: string; co2: string; water: string };
const FIELD = { width: { xs: '100%', sm: 240 } };
const whole = (s: string) => (/^\d{1,10}$/.test(s.trim()) ? Number(s.trim()) : null);

export function ImpactFactorsPage() {
  const notify = useNotify();
  const [data, setData] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rows, setRows] = useState<Row[]>([]);
  const [others, setOthers] = useState<Row>({ material: 'others', co2: '0', water: '0' });
  const [source, setSource] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [n, setN] = useState(0);

  useEffect(() => {
    api<Answer>('/v1/metrics/impact-factors').then((a) => {
      setData(a);
      const cur = a.versions.find((v) => v.version === a.current) ?? a.versions[a.versions.length - 1];
      if (cur) {
        setRows(cur.materials.map((m) => ({ material: m.material, co2: String(m.co2_g_per_kg), water: String(m.water_ml_per_kg) })));
        setOthers({ material: 'others', co2: String(cur.others.co2_g_per_kg), water: String(cur.others.water_ml_per_kg) });
      }
    }, (e: Error) => setError(e.message));
  }, [n]);

  const current = data?.versions.find((v) => v.version === data.current) ?? null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const materials = rows.map((r) => ({ material: r.material.trim().toUpperCase(), co2_g_per_kg: whole(r.co2), water_ml_per_kg: whole(r.water) }));
    const o = { co2_g_per_kg: whole(others.co2), water_ml_per_kg: whole(others.water) };
    if (!source.trim()) return setFormError('The source is required (a study, a body, a document)');
    if ([...materials, o].some((m) => m.co2_g_per_kg === null || m.water_ml_per_kg === null)) return setFormError('Every factor is a whole number (grams or millilitres per kg)');
    try {
      const v = await api<Version>('/v1/metrics/impact-factors', { method: 'PUT', body: { source: source.trim(), others: o, materials } });
      notify(`Version ${v.version} published`, { type: 'success' });
      setSource('');
      setN((x) => x + 1);
    } catch (err) {
      setFormError((err as Error).message);
    }
  };
  const set = (i: number, k: keyof Row, v: string) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: v } : r)));

  return (
    <Box sx={{ mt: 1 }}>
      <Title title="Impact factors" />
      <Typography component="h1" variant="h5" gutterBottom>Impact factors</Typography>
      {error && <Alert severity="error" role="alert">{error}</Alert>}
      <Card component="section" aria-labelledby="current-factors" sx={{ mb: 2 }}>
        <CardContent>
          <Typography id="current-factors" component="h2" variant="h6">In force{current ? `: version ${current.version}` : ''}</Typography>
          {current && <Typography variant="body2">Since {formatTime(current.effective_from)}; source: {current.source}</Typography>}
          {current && (
            <Box tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
              <Table size="small" aria-labelledby="current-factors">
                <TableHead><TableRow><TableCell>Material</TableCell><TableCell align="right">CO2e avoided (g/kg)</TableCell><TableCell align="right">Water saved (ml/kg)</TableCell></TableRow></TableHead>
                <TableBody>
                  {current.materials.map((m) => <TableRow key={m.material}><TableCell>{m.material}</TableCell><TableCell align="right">{formatNumber(m.co2_g_per_kg)}</TableCell><TableCell align="right">{formatNumber(m.water_ml_per_kg)}</TableCell></TableRow>)}
                  <TableRow><TableCell>any other material</TableCell><TableCell align="right">{formatNumber(current.others.co2_g_per_kg)}</TableCell><TableCell align="right">{formatNumber(current.others.water_ml_per_kg)}</TableCell></TableRow>
                </TableBody>
              </Table>
            </Box>
          )}
          {data && <Typography variant="body2" sx={{ mt: 1 }}>Versions: {data.versions.map((v) => `${v.version} (from ${formatTime(v.effective_from)})`).join('; ') || 'none'}</Typography>}
        </CardContent>
      </Card>
      <Card component="section" aria-labelledby="new-factors">
        <CardContent>
          <Typography id="new-factors" component="h2" variant="h6">Publish a new version</Typography>
          <Typography variant="body2" gutterBottom>Takes effect now; collections already recorded keep the factors of their time.</Typography>
          <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="new-factors">
            {rows.map((r, i) => (
              <Box key={i} sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mb: 1 }}>
                <TextField size="small" fullWidth={false} sx={FIELD} label={`Material ${i + 1}`} value={r.material} onChange={(e) => set(i, 'material', e.target.value)} />
                <TextField size="small" fullWidth={false} sx={FIELD} label={`${r.material || 'Material'}: CO2e g/kg`} value={r.co2} onChange={(e) => set(i, 'co2', e.target.value)} slotProps={{ htmlInput: { inputMode: 'numeric' } }} />
                <TextField size="small" fullWidth={false} sx={FIELD} label={`${r.material || 'Material'}: water ml/kg`} value={r.water} onChange={(e) => set(i, 'water', e.target.value)} slotProps={{ htmlInput: { inputMode: 'numeric' } }} />
              </Box>
            ))}
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mb: 1 }}>
              <TextField size="small" fullWidth={false} sx={FIELD} label="Other materials: CO2e g/kg" value={others.co2} onChange={(e) => setOthers({ ...others, co2: e.target.value })} />
              <TextField size="small" fullWidth={false} sx={FIELD} label="Other materials: water ml/kg" value={others.water} onChange={(e) => setOthers({ ...others, water: e.target.value })} />
            </Box>
            <Button onClick={() => setRows((rs) => [...rs, { material: '', co2: '0', water: '0' }])}>Add a material</Button>
            <TextField label="Source (required)" value={source} onChange={(e) => setSource(e.target.value)} fullWidth margin="normal" required />
            {formError && <Alert severity="error" role="alert">{formError}</Alert>}
            <Button type="submit" variant="contained" sx={{ mt: 1 }}>Publish version</Button>
          </form>
        </CardContent>
      </Card>
    </Box>
  );
}
