/**
 * Display helpers. Money arrives as the API's decimal yuan strings ("1234.5", "-80.00") and is formatted by string
 * operations only (never parsed into a float): ¥1,234.50. Dates are the API's YYYY-MM-DD strings, shown as they are;
 * instants (ISO timestamps) are shown as their calendar date in the business time zone.
 */
const MONEY = /^(-)?(\d+)(?:\.(\d+))?$/;

export function formatMoney(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const m = MONEY.exec(String(value).trim());
  if (!m) return String(value);
  const [, minus, whole, frac = ''] = m;
  const digits = whole.replace(/^0+(?=\d)/, '');
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (frac + '00').slice(0, 2);
  // more than two decimals never come from the API's money fields; shown cut rather than rounded through a float
  return `${minus ? '-' : ''}¥${grouped}.${cents}`;
}

/** A percentage string ("2.3557") with at most `digits` decimals, by string rounding half up. */
export function formatPercent(value: string | null | undefined, digits = 2): string {
  if (value === null || value === undefined || value === '') return '—';
  const m = MONEY.exec(String(value).trim());
  if (!m) return String(value);
  const [, minus, whole, frac = ''] = m;
  const scaled = BigInt(whole + (frac + '0'.repeat(digits + 1)).slice(0, digits + 1));
  const rounded = (scaled + 5n) / 10n;
  const s = rounded.toString().padStart(digits + 1, '0');
  const out = digits > 0 ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return `${minus && rounded !== 0n ? '-' : ''}${out}%`;
}

/** Sums decimal yuan strings exactly (in fen, as bigint). */
export function sumMoney(values: (string | null | undefined)[]): string {
  let fen = 0n;
  for (const v of values) {
    const m = v ? MONEY.exec(v.trim()) : null;
    if (!m) continue;
    const f = BigInt(m[2]) * 100n + BigInt(((m[3] ?? '') + '00').slice(0, 2));
    fen += m[1] ? -f : f;
  }
  const neg = fen < 0n;
  const abs = neg ? -fen : fen;
  return `${neg ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const BUSINESS_TZ = 'Asia/Shanghai';
const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TZ, year: 'numeric', month: '2-digit', day: '2-digit' });

/** YYYY-MM-DD: a business date as given, an instant as its date in Asia/Shanghai. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  if (DAY.test(value)) return value;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : dayFormat.format(d);
}

/** YYYY-MM-DD HH:mm in the business time zone (audit log, run times). */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: BUSINESS_TZ,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
  return `${dayFormat.format(d)} ${parts}`;
}

/** A decimal yuan amount as typed: up to two decimals, positive. Mirrors the API's @IsYuan. */
export const YUAN_INPUT = /^(0|[1-9]\d{0,13})(\.\d{1,2})?$/;

/** A name as a public posting shows it: the first character, the rest masked (张** / Z***). */
export function maskName(name: string | null | undefined): string {
  if (!name) return '—';
  const chars = [...name];
  return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}
