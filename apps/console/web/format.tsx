// Money and time as the office reads them: rands in the en-ZA style (R 1 234,50) and South African time.
const NBSP = '\u00a0';

/** Integer cents → `R 1 234,50` (a non-breaking space groups thousands; a minus sign before the R). */
export function formatMoney(cents: number | null | undefined): string {
  if (cents === null || cents === undefined || !Number.isFinite(cents)) return '—';
  const negative = cents < 0;
  const abs = Math.abs(Math.trunc(cents));
  const rands = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  const frac = String(abs % 100).padStart(2, '0');
  return `${negative ? '-' : ''}R${NBSP}${rands},${frac}`;
}

/** Whole numbers grouped the en-ZA way (points, grams). */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return new Intl.NumberFormat('en-ZA', { maximumFractionDigits: 3 }).format(n);
}

const TIME = new Intl.DateTimeFormat('en-ZA', {
  timeZone: 'Africa/Johannesburg', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});

/** An ISO time in South African time (SAST), e.g. `2026/11/30, 04:41:18 SAST`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${TIME.format(d)} SAST`;
}

/**
 * Rands typed by a person (`12,50`, `12.5`, `-3`, `1 234,50`) → integer cents, or null when it is not
 * an amount with at most two decimals.
 */
export function parseRands(text: string): number | null {
  const t = text.replace(/[\s\u00a0]/g, '').replace(/^R/i, '').replace(',', '.');
  if (!/^-?\d{1,12}(\.\d{1,2})?$/.test(t)) return null;
  const negative = t.startsWith('-');
  const [whole, frac = ''] = t.replace('-', '').split('.');
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return negative ? -cents : cents;
}

export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s.trim());

/** RFC 4180 CSV of rows (the chart tables' download). */
export function toCsv(columns: { key: string; label: string }[], rows: Record<string, unknown>[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.map((c) => cell(c.label)).join(','), ...rows.map((r) => columns.map((c) => cell(r[c.key])).join(','))].join('\r\n') + '\r\n';
}
