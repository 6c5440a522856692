import { useMemo, useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Title } from 'react-admin';
import {
  Alert, Box, Button, Card, CardContent, FormControl, InputLabel, MenuItem, Select, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../api';
import { formatMoney, formatNumber, formatTime, toCsv } from '../format';

interface SeriesRow { date: string; points_earned: number; points_spent: number; money_earned: number; money_spent: number; collections: number; grams_collected: number; co2_avoided_g: number; water_saved_ml: number; donated_money: number; withdrawn_money: number }
interface Series { from: string; to: string; granularity: string; data_as_of: string | null; days: SeriesRow[] }
interface Impact { kg_collected: string; co2_avoided_kg: string; water_saved_l: string; trees_equivalent: number | string; collections: number; by_material: { material: string; grams: number; kg: string }[] }
interface Leaderboard { period_start: string; period_end: string; unit: string; entries: { rank: number; handle: string; value: number }[] }

export interface Column { key: string; label: string; format?: (v: number) => string }

/** A chart with its table view and a CSV download of the same figures. */
export function ChartCard({ id, title, columns, rows, children }: { id: string; title: string; columns: Column[]; rows: Record<string, unknown>[]; children: ReactNode }) {
  const [asTable, setAsTable] = useState(false);
  const download = () => {
    const blob = new Blob([toCsv(columns, rows)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${id}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <Card component="section" aria-labelledby={`${id}-title`} sx={{ mt: 2 }} data-chart={id}>
      <CardContent>
        <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', flexWrap: 'wrap', gap: 1 }}>
          <Typography id={`${id}-title`} component="h2" variant="h6">{title}</Typography>
          <Box sx={{ display: 'flex', gap: 1 }}>
            <Button size="small" variant="outlined" aria-pressed={asTable} onClick={() => setAsTable((t) => !t)}>{asTable ? 'Show chart' : 'Show table'}</Button>
            <Button size="small" variant="outlined" onClick={download} aria-label={`Download CSV of ${title}`}>Download CSV</Button>
          </Box>
        </Box>
        {rows.length === 0 ? <Typography sx={{ mt: 1 }}>No figures for this period.</Typography> : asTable ? (
          <TableContainer tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ mt: 1, overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
            <Table size="small" aria-label={title} data-testid={`${id}-table`}>
              <TableHead><TableRow>{columns.map((c) => <TableCell key={c.key}>{c.label}</TableCell>)}</TableRow></TableHead>
              <TableBody>
                {rows.map((r, i) => (
                  <TableRow key={i}>
                    {columns.map((c, j) => {
                      const v = r[c.key];
                      const text = typeof v === 'number' && c.format ? c.format(v) : String(v ?? '');
                      return j === 0 ? <TableCell key={c.key} component="th" scope="row">{text}</TableCell> : <TableCell key={c.key}>{text}</TableCell>;
                    })}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        ) : (
          <Box role="img" aria-label={`${title}: chart; use “Show table” for the figures`} sx={{ width: '100%', height: 280, mt: 1 }}>
            <ResponsiveContainer width="100%" height="100%">{children as never}</ResponsiveContainer>
          </Box>
        )}
      </CardContent>
    </Card>
  );
}

const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(new Date());
const daysAgo = (n: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(new Date(Date.now() - n * 86_400_000));
const rands = (cents: number) => Math.round(cents) / 100;
const COLOURS = ['#1b5e20', '#0d47a1', '#b71c1c', '#4a148c', '#e65100'];

export function ProgrammePage() {
  const [from, setFrom] = useState(daysAgo(30));
  const [to, setTo] = useState(today());
  const [granularity, setGranularity] = useState<'day' | 'week' | 'month'>('day');
  const [period, setPeriod] = useState<'week' | 'month' | 'year' | 'all'>('month');
  const [metric, setMetric] = useState<'kg' | 'points' | 'co2'>('kg');
  const series = useQuery({ queryKey: ['system-series', from, to, granularity], queryFn: () => api<Series>('/v1/metrics/system', { query: { from, to, granularity } }) });
  const impact = useQuery({ queryKey: ['impact', from, to], queryFn: () => api<Impact>('/v1/metrics/impact', { query: { from, to } }) });
  const board = useQuery({ queryKey: ['leaderboard', period, metric], queryFn: () => api<Leaderboard>('/v1/metrics/leaderboard', { query: { period, metric, limit: 10 } }) });
  const days = useMemo(() => (series.data?.days ?? []).map((d) => ({
    date: d.date, points_earned: d.points_earned, points_spent: d.points_spent,
    money_earned: d.money_earned, money_spent: d.money_spent, withdrawn_money: d.withdrawn_money ?? 0, donated_money: d.donated_money ?? 0,
    kg: d.grams_collected / 1000, co2_kg: d.co2_avoided_g / 1000, water_l: d.water_saved_ml / 1000, collections: d.collections,
    money_earned_r: rands(d.money_earned), money_spent_r: rands(d.money_spent), withdrawn_r: rands(d.withdrawn_money ?? 0), donated_r: rands(d.donated_money ?? 0),
  })), [series.data]);
  const materials = useMemo(() => (impact.data?.by_material ?? []).map((m) => ({ material: m.material, kg: Number(m.kg), grams: m.grams })), [impact.data]);
  const error = series.error ?? impact.error;
  return (
    <Box component="section" aria-labelledby="programme-title" sx={{ mt: 1, mb: 2 }}>
      <Title title="Programme" />
      <Typography id="programme-title" component="h1" variant="h5">Programme</Typography>
      <Card sx={{ mt: 1 }}>
        <CardContent>
          <Box component="form" aria-label="Period" sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }} onSubmit={(e) => e.preventDefault()}>
            <TextField type="date" label="From" value={from} onChange={(e) => setFrom(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} sx={{ flex: '0 1 190px' }} />
            <TextField type="date" label="To" value={to} onChange={(e) => setTo(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} sx={{ flex: '0 1 190px' }} />
            <FormControl sx={{ minWidth: 140, flex: '0 1 190px' }}>
              <InputLabel id="gran-label">Per</InputLabel>
              <Select labelId="gran-label" label="Per" value={granularity} onChange={(e) => setGranularity(e.target.value as 'day' | 'week' | 'month')}>
                <MenuItem value="day">day</MenuItem><MenuItem value="week">week</MenuItem><MenuItem value="month">month</MenuItem>
              </Select>
            </FormControl>
          </Box>
          <Typography variant="body2" sx={{ mt: 1 }}>Local days in South African time. Figures as of {formatTime(series.data?.data_as_of)}.</Typography>
          {error && <Alert severity="error" role="alert">{error.message}</Alert>}
          {impact.data && (
            <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(140px, 1fr))', gap: 2, m: 0, mt: 1 }}>
              {[['Collections', formatNumber(impact.data.collections)], ['Collected', `${impact.data.kg_collected} kg`], ['CO₂ avoided', `${impact.data.co2_avoided_kg} kg`], ['Water saved', `${impact.data.water_saved_l} l`], ['Trees equivalent', String(impact.data.trees_equivalent)]].map(([l, v]) => (
                <Box key={l}><Typography component="dt" variant="body2" sx={{ color: 'text.secondary' }}>{l}</Typography><Typography component="dd" variant="h6" sx={{ m: 0 }}>{v}</Typography></Box>
              ))}
            </Box>
          )}
        </CardContent>
      </Card>
      <ChartCard id="kg-by-material" title="Kg collected by material" rows={materials} columns={[{ key: 'material', label: 'Material' }, { key: 'kg', label: 'Kg', format: formatNumber }]}>
        <BarChart data={materials} margin={{ left: 8, right: 8 }}>
          <CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="material" /><YAxis /><Tooltip /><Legend />
          <Bar dataKey="kg" name="kg" fill={COLOURS[0]} />
        </BarChart>
      </ChartCard>
      <ChartCard id="points-flows" title="Points earned and spent" rows={days} columns={[{ key: 'date', label: granularity === 'day' ? 'Date' : `${granularity} from` }, { key: 'points_earned', label: 'Points earned', format: formatNumber }, { key: 'points_spent', label: 'Points spent', format: formatNumber }]}>
        <BarChart data={days} margin={{ left: 8, right: 8 }}>
          <CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="date" /><YAxis /><Tooltip /><Legend />
          <Bar dataKey="points_earned" name="earned" fill={COLOURS[0]} /><Bar dataKey="points_spent" name="spent" fill={COLOURS[2]} />
        </BarChart>
      </ChartCard>
      <ChartCard id="money-flows" title="Money flows" rows={days} columns={[{ key: 'date', label: granularity === 'day' ? 'Date' : `${granularity} from` }, { key: 'money_earned', label: 'Earned', format: formatMoney }, { key: 'money_spent', label: 'Spent', format: formatMoney }, { key: 'withdrawn_money', label: 'Withdrawn', format: formatMoney }, { key: 'donated_money', label: 'Donated', format: formatMoney }]}>
        <LineChart data={days} margin={{ left: 8, right: 8 }}>
          <CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="date" /><YAxis /><Tooltip formatter={(v) => formatMoney(Math.round(Number(v) * 100))} /><Legend />
          <Line dataKey="money_earned_r" name="earned (R)" stroke={COLOURS[0]} /><Line dataKey="money_spent_r" name="spent (R)" stroke={COLOURS[2]} />
          <Line dataKey="withdrawn_r" name="withdrawn (R)" stroke={COLOURS[1]} /><Line dataKey="donated_r" name="donated (R)" stroke={COLOURS[3]} />
        </LineChart>
      </ChartCard>
      <ChartCard id="impact-over-time" title="Environmental impact over time" rows={days} columns={[{ key: 'date', label: granularity === 'day' ? 'Date' : `${granularity} from` }, { key: 'kg', label: 'Kg collected', format: formatNumber }, { key: 'co2_kg', label: 'CO₂ avoided (kg)', format: formatNumber }, { key: 'water_l', label: 'Water saved (l)', format: formatNumber }]}>
        <LineChart data={days} margin={{ left: 8, right: 8 }}>
          <CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="date" /><YAxis /><Tooltip /><Legend />
          <Line dataKey="kg" name="kg collected" stroke={COLOURS[0]} /><Line dataKey="co2_kg" name="CO₂ avoided (kg)" stroke={COLOURS[1]} /><Line dataKey="water_l" name="water saved (l)" stroke={COLOURS[4]} />
        </LineChart>
      </ChartCard>
      <Card component="section" aria-labelledby="board-title" sx={{ mt: 2 }}>
        <CardContent>
          <Typography id="board-title" component="h2" variant="h6">Leaderboard</Typography>
          <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', my: 1 }}>
            <FormControl sx={{ minWidth: 140, flex: '0 1 190px' }}>
              <InputLabel id="period-label">Period</InputLabel>
              <Select labelId="period-label" label="Period" value={period} onChange={(e) => setPeriod(e.target.value as typeof period)}>
                <MenuItem value="week">this week</MenuItem><MenuItem value="month">this month</MenuItem><MenuItem value="year">this year</MenuItem><MenuItem value="all">all time</MenuItem>
              </Select>
            </FormControl>
            <FormControl sx={{ minWidth: 140, flex: '0 1 190px' }}>
              <InputLabel id="metric-label">Ranked by</InputLabel>
              <Select labelId="metric-label" label="Ranked by" value={metric} onChange={(e) => setMetric(e.target.value as typeof metric)}>
                <MenuItem value="kg">kg collected</MenuItem><MenuItem value="points">points earned</MenuItem><MenuItem value="co2">CO₂ avoided</MenuItem>
              </Select>
            </FormControl>
          </Box>
          {board.error && <Alert severity="error" role="alert">{board.error.message}</Alert>}
          {board.data && (board.data.entries.length === 0 ? <Typography>Nobody on the board yet.</Typography> : (
            <TableContainer tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>
              <Table size="small" aria-label="Leaderboard">
                <TableHead><TableRow><TableCell>Rank</TableCell><TableCell>Resident</TableCell><TableCell>{board.data.unit}</TableCell></TableRow></TableHead>
                <TableBody>{board.data.entries.map((e) => <TableRow key={e.rank + e.handle}><TableCell component="th" scope="row">{e.rank}</TableCell><TableCell>{e.handle}</TableCell><TableCell>{formatNumber(e.value)}</TableCell></TableRow>)}</TableBody>
              </Table>
            </TableContainer>
          ))}
        </CardContent>
      </Card>
    </Box>
  );
}
