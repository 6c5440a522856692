// What needs a person: withdrawals waiting in review or whose payout is in doubt, reconciliation
// mismatches (the metrics against the ledger; our payouts against the provider's report), and webhook
// deliveries that gave up, and events a consumer dead-lettered — each with the actions allowed on it.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Title, useDataProvider, useNotify } from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { Alert, Box, Button, Card, CardContent, Link, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { api } from '../api';
import type { ConsoleActions } from '../dataProvider';
import { formatMoney, formatNumber, formatTime } from '../format';
import { Wide } from '../Wide';
import { DecisionButtons, LimitsContext, maskedDestination, useLimits, type Withdrawal } from './Withdrawals';

const label = (s: string) => s.replace(/_/g, ' ');

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card component="section" aria-labelledby={`${id}-title`} sx={{ mb: 2 }} data-section={id}>
      <CardContent>
        <Typography id={`${id}-title`} component="h2" variant="h6" gutterBottom>{title}</Typography>
        {children}
      </CardContent>
    </Card>
  );
}

const Scroll = ({ children }: { children: ReactNode }) => <Box tabIndex={0} role="region" aria-label="Table (scrolls sideways)" sx={{ overflowX: 'auto', maxWidth: { xs: 'calc(100vw - 64px)', sm: '100%' } }}>{children}</Box>;

/** A fetch with its error shown (not thrown): each section stands on its own. */
function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    run().then((d) => { if (live) { setData(d); setError(null); } }, (e: Error) => { if (live) setError(e.message); });
    return () => { live = false; };
  }, [run, n]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

function WithdrawalsNeedingAPerson() {
  const limits = useLimits();
  const { data, error } = useLoad(async () => {
    const [review, doubt] = await Promise.all([
      api<{ data: Withdrawal[] }>('/v1/withdrawals', { query: { status: 'in_review', limit: 100 } }),
      api<{ data: Withdrawal[] }>('/v1/withdrawals', { query: { status: 'needs_review', limit: 100 } }),
    ]);
    return [...doubt.data, ...review.data];
  }, []);
  return (
    <Section id="withdrawal-exceptions" title="Withdrawals in review or in doubt">
      <Typography variant="body2" gutterBottom>In review: a new destination cooling off, or flagged; approve or reject with a note. Needs review: the provider’s answer is unknown (a timeout is never a failure); send it back to the payout worker once checked.</Typography>
      {error && <Alert severity="error" role="alert">{error}</Alert>}
      {data && data.length === 0 && <Typography>None.</Typography>}
      {data && data.length > 0 && (
        <LimitsContext.Provider value={limits}>
          <Scroll>
            <Table size="small" aria-labelledby="withdrawal-exceptions-title">
              <TableHead><TableRow><TableCell>Withdrawal</TableCell><TableCell>Status</TableCell><TableCell align="right">Amount</TableCell><TableCell>Destination</TableCell><TableCell>Failure</TableCell><TableCell>Updated</TableCell><TableCell>Actions</TableCell></TableRow></TableHead>
              <TableBody>
                {data.map((w) => (
                  <TableRow key={w.id}>
                    <TableCell><Link component={RouterLink} to={`/withdrawals/${w.id}/show`}>{String(w.id).slice(0, 8)}</Link></TableCell>
                    <TableCell>{label(w.status)}</TableCell>
                    <TableCell align="right">{formatMoney(w.amount)}</TableCell>
                    <TableCell>{label(w.method)}: {maskedDestination(w.destination)}</TableCell>
                    <TableCell>{w.failure_code ?? '—'}</TableCell>
                    <TableCell>{formatTime(w.updated_at)}</TableCell>
                    <TableCell><DecisionButtons record={w} /></TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Scroll>
        </LimitsContext.Provider>
      )}
    </Section>
  );
}

interface Difference { user_id: string; asset: string; figure: string; metrics: number; ledger: number }
interface MetricsReport { date: string; time_zone: string; checked_at: string; data_as_of: string | null; users_compared: number; differences: Difference[] }

const yesterday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(new Date(Date.now() - 86_400_000));
const asFigure = (asset: string, v: number) => (asset === 'money' ? formatMoney(v) : formatNumber(v));

function MetricsReconciliation() {
  const [date, setDate] = useState(yesterday);
  // On demand: the check reads a whole day of the ledger.
  const [asked, setAsked] = useState<string | null>(null);
  const { data, error } = useLoad(() => (asked ? api<MetricsReport>('/v1/metrics/reconciliation', { query: { date: asked } }) : Promise.resolve(null)), [asked]);
  return (
    <Section id="metrics-reconciliation" title="Metrics against the ledger">
      <Box component="form" sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }} onSubmit={(e) => { e.preventDefault(); setAsked(date); }}>
        <TextField type="date" label="Day (SAST)" value={date} onChange={(e) => setDate(e.target.value)} size="small" slotProps={{ inputLabel: { shrink: true } }} />
        <Button type="submit" variant="outlined">Check the day</Button>
      </Box>
      {error && <Alert severity="error" role="alert" sx={{ mt: 1 }}>{error}</Alert>}
      {asked && !data && !error && <Typography variant="body2" role="status" sx={{ mt: 1 }}>Checking {asked}…</Typography>}
      {data && (
        <Box sx={{ mt: 1 }} data-testid="metrics-reconciliation">
          <Typography variant="body2">{data.date}: {formatNumber(data.users_compared)} residents compared, {data.differences.length === 0 ? 'no differences' : `${data.differences.length} differences`} (checked {formatTime(data.checked_at)}).</Typography>
          {data.differences.length > 0 && (
            <Scroll>
              <Table size="small" aria-label="Differences between the metrics and the ledger">
                <TableHead><TableRow><TableCell>Resident</TableCell><TableCell>Asset</TableCell><TableCell>Figure</TableCell><TableCell align="right">Metrics</TableCell><TableCell align="right">Ledger</TableCell><TableCell>Actions</TableCell></TableRow></TableHead>
                <TableBody>
                  {data.differences.map((d, i) => (
                    <TableRow key={i}>
                      <TableCell>{d.user_id}</TableCell><TableCell>{d.asset}</TableCell><TableCell>{label(d.figure)}</TableCell>
                      <TableCell align="right">{asFigure(d.asset, d.metrics)}</TableCell><TableCell align="right">{asFigure(d.asset, d.ledger)}</TableCell>
                      <TableCell><Link component={RouterLink} to={`/residents/${d.user_id}`}>Open the resident</Link></TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Scroll>
          )}
        </Box>
      )}
    </Section>
  );
}

interface PayoutReconciliation { id: string; day: string; clean: boolean; counts: Record<string, number>; lines: { reference: string; outcome: string; ours: { status?: string; amount?: number } | null; theirs: { status?: string; amount?: number } | null }[]; created_at: string }

function PayoutReconciliations() {
  const { data, error } = useLoad(() => api<{ data: PayoutReconciliation[] }>('/v1/withdrawals/reconciliations', { query: { limit: 7 } }), []);
  const mismatches = (data?.data ?? []).flatMap((r) => r.lines.filter((l) => l.outcome !== 'matched').map((l) => ({ day: r.day, ...l })));
  return (
    <Section id="payout-reconciliation" title="Our payouts against the provider’s report">
      {error && <Alert severity="error" role="alert">{error}</Alert>}
      {data && <Typography variant="body2">Last {data.data.length} daily runs: {data.data.map((r) => `${r.day} ${r.clean ? 'clean' : 'with mismatches'}`).join('; ') || 'none yet'}.</Typography>}
      {mismatches.length > 0 && (
        <Scroll>
          <Table size="small" aria-label="Payout mismatches">
            <TableHead><TableRow><TableCell>Day</TableCell><TableCell>Withdrawal</TableCell><TableCell>Outcome</TableCell><TableCell>Ours</TableCell><TableCell>Theirs</TableCell></TableRow></TableHead>
            <TableBody>
              {mismatches.map((m, i) => (
                <TableRow key={i}>
                  <TableCell>{m.day}</TableCell>
                  <TableCell><Link component={RouterLink} to={`/withdrawals/${m.reference}/show`}>{m.reference.slice(0, 8)}</Link></TableCell>
                  <TableCell>{label(m.outcome)}</TableCell>
                  <TableCell>{m.ours ? `${m.ours.status ?? ''} ${formatMoney(m.ours.amount)}` : '—'}</TableCell>
                  <TableCell>{m.theirs ? `${m.theirs.status ?? ''} ${formatMoney(m.theirs.amount)}` : '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Scroll>
      )}
    </Section>
  );
}

interface Endpoint { id: string; url: string; enabled: boolean }
interface Delivery { id: string; event_type: string; status: string; attempt_count: number; last_attempt_at: string | null; created_at: string }

function DeadDeliveries() {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const { data, error, reload } = useLoad(async () => {
    const endpoints = (await api<{ data: Endpoint[] }>('/v1/webhooks/endpoints')).data;
    const per = await Promise.all(endpoints.map(async (e) => (await api<{ data: Delivery[] }>(`/v1/webhooks/endpoints/${encodeURIComponent(e.id)}/deliveries`, { query: { status: 'dead', limit: 50 } })).data.map((d) => ({ ...d, endpoint: e }))));
    return per.flat();
  }, []);
  const retry = async (id: string) => {
    try {
      await dp.retryDelivery(id);
      notify('Delivery queued again', { type: 'success' });
      reload();
    } catch (err) {
      notify((err as Error).message, { type: 'error' });
    }
  };
  return (
    <Section id="dead-deliveries" title="Dead webhook deliveries">
      <Typography variant="body2" gutterBottom>Deliveries to partners that used up their retries. Retry one once the partner is fixed, or recover the endpoint (re-enable and resend everything since a time) from its page.</Typography>
      {error && <Alert severity="error" role="alert">{error}</Alert>}
      {data && data.length === 0 && <Typography>None.</Typography>}
      {data && data.length > 0 && (
        <Scroll>
          <Table size="small" aria-labelledby="dead-deliveries-title">
            <TableHead><TableRow><TableCell>Endpoint</TableCell><TableCell>Event</TableCell><TableCell>Attempts</TableCell><TableCell>Last attempt</TableCell><TableCell>Actions</TableCell></TableRow></TableHead>
            <TableBody>
              {data.map((d) => (
                <TableRow key={d.id}>
                  <TableCell sx={{ overflowWrap: 'anywhere' }}>{d.endpoint.url}{d.endpoint.enabled ? '' : ' (disabled)'}</TableCell>
                  <TableCell>{d.event_type}</TableCell>
                  <TableCell>{d.attempt_count}</TableCell>
                  <TableCell>{formatTime(d.last_attempt_at)}</TableCell>
                  <TableCell>
                    <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
                      <Button size="small" aria-label={`Retry delivery ${d.id}`} onClick={() => void retry(d.id)}>Retry</Button>
                      <Button size="small" component={RouterLink} to={`/webhook-endpoints/${d.endpoint.id}/show`} aria-label={`Recover endpoint ${d.endpoint.url}`}>Recover…</Button>
                    </Box>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Scroll>
      )}
    </Section>
  );
}

interface DeadLetter {
  id: string; topic: string; consumer: string | null; event_id: string | null; event_type: string | null; error: string | null;
  dead_lettered_at: string; test_poison: boolean; replayed_from: string | null; actions: 'replay'[];
}

/** Events a consumer gave up on (every `.dlq` topic), newest first; replay one once its cause is fixed. */
function DeadLetters() {
  const dp = useDataProvider<ConsoleActions & ReturnType<typeof useDataProvider>>();
  const notify = useNotify();
  const [busy, setBusy] = useState<string | null>(null);
  const { data, error, reload } = useLoad(async () => (await api<{ data: DeadLetter[]; next_cursor: string | null }>('/v1/dead-letters', { query: { limit: 100 } })), []);
  const replay = async (d: DeadLetter) => {
    setBusy(d.id);
    try {
      await dp.replayDeadLetter(d.id);
      notify(`Event replayed to ${d.consumer ?? 'its consumer'}`, { type: 'success' });
      reload();
    } catch (err) {
      notify((err as Error).message, { type: 'error' });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Section id="dead-letters" title="Dead-lettered events">
      <Typography variant="body2" gutterBottom>Events a consumer could not apply after its retries (an alarm: something is wrong with the event or the consumer). Once the cause is fixed and deployed, replay one to the consumer that gave up; its inbox ignores an event it already applied.</Typography>
      {error && <Alert severity="error" role="alert">{error}</Alert>}
      {!data && !error && <Typography>Reading the dead-letter topics…</Typography>}
      {data && data.data.length === 0 && <Typography>None.</Typography>}
      {data && data.data.length > 0 && (
        <Scroll>
          <Table size="small" aria-labelledby="dead-letters-title">
            <TableHead><TableRow><TableCell>Dead-lettered</TableCell><TableCell>Topic</TableCell><TableCell>Consumer</TableCell><TableCell>Event</TableCell><TableCell>Error</TableCell><TableCell>Actions</TableCell></TableRow></TableHead>
            <TableBody>
              {data.data.map((d) => (
                <TableRow key={d.id} data-dead-letter={d.id}>
                  <TableCell>{formatTime(d.dead_lettered_at)}</TableCell>
                  <TableCell><Wide min={170}>{d.topic}</Wide></TableCell>
                  <TableCell><Wide min={150}>{d.consumer ?? '—'}</Wide></TableCell>
                  <TableCell><Wide min={200}>{`${d.event_type ?? 'unreadable event'}${d.event_id ? ` ${d.event_id}` : ''}${d.test_poison ? ' (test poison)' : ''}${d.replayed_from ? ' (failed again after a replay)' : ''}`}</Wide></TableCell>
                  <TableCell sx={{ maxWidth: 360 }}><Wide min={220}>{d.error ?? '—'}</Wide></TableCell>
                  <TableCell>
                    {d.actions.includes('replay')
                      ? <Button size="small" disabled={busy !== null} aria-label={`Replay dead letter ${d.id} to ${d.consumer ?? ''}`} onClick={() => void replay(d)}>Replay</Button>
                      : <Typography variant="caption">No consumer named: nothing to replay to</Typography>}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Scroll>
      )}
      {data?.next_cursor && <Typography variant="body2" sx={{ mt: 1 }}>Showing the newest 100.</Typography>}
    </Section>
  );
}

export function ExceptionsPage() {
  return (
    <Box sx={{ mt: 1 }}>
      <Title title="Exceptions" />
      <Typography component="h1" variant="h5" gutterBottom>Exceptions</Typography>
      <WithdrawalsNeedingAPerson />
      <MetricsReconciliation />
      <PayoutReconciliations />
      <DeadDeliveries />
      <DeadLetters />
    </Box>
  );
}
