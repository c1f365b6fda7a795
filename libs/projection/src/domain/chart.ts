import { parseDecimal } from '#libs/money';
import type { SeriesView } from './views.js';

const xml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** Plot coordinates only (a pixel has no cents): the figures stay exact strings everywhere else. */
const plot = (text: string): number => {
  const d = parseDecimal(text);
  return d ? Number(d.units) / 10 ** d.scale : 0;
};

/**
 * A hand-written SVG fan chart of one projected figure, drawn like the monthly report's leverage chart: the
 * P10–P90 band as a shaded polygon, the median (P50) as a line, and the reference lines the figure has (the risk
 * fund's minimum, the leverage cap) dashed, with month labels on the x axis.
 */
export function fanChartSvg(s: SeriesView, title: string): string {
  const W = 900;
  const H = 480;
  const m = { left: 90, right: 40, top: 50, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const refs = [s.minimum, s.cap].filter((r): r is string => r !== null).map(plot);
  const values = s.bands.flatMap((b) => [plot(b.p10), plot(b.p50), plot(b.p90)]);
  const hi = Math.max(1, ...values, ...refs) * 1.1;
  const lo = Math.min(0, ...values);
  const n = s.bands.length;
  const x = (i: number) => m.left + (n <= 1 ? pw / 2 : (pw * i) / (n - 1));
  const y = (v: number) => m.top + ph - (ph * (v - lo)) / (hi - lo);
  // Drawing only: pixel positions and grid-line labels of the picture. The figures themselves stay decimal strings
  // in the result and its CSV/XLSX; nothing here is summed, stored or shown as an amount of money.
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<title>${xml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${xml(title)}</text>`);
  out.push(`<g class="axes" stroke="#333333">`);
  out.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}"/>`);
  out.push(`</g>`);
  for (let k = 0; k <= 5; k++) {
    const v = lo + ((hi - lo) * k) / 5;
    out.push(`<line x1="${m.left}" y1="${f(y(v))}" x2="${m.left + pw}" y2="${f(y(v))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 8}" y="${f(y(v) + 4)}" text-anchor="end">${xml(v.toFixed(v >= 100 ? 0 : 2))}</text>`);
  }
  s.bands.forEach((b, i) => out.push(`<text class="month" x="${f(x(i))}" y="${m.top + ph + 20}" text-anchor="middle">${xml(b.month)}</text>`));
  if (n) {
    const upper = s.bands.map((b, i) => `${f(x(i))},${f(y(plot(b.p90)))}`);
    const lower = s.bands.map((b, i) => `${f(x(i))},${f(y(plot(b.p10)))}`).reverse();
    out.push(`<polygon class="band" fill="#1f77b4" fill-opacity="0.2" stroke="none" points="${[...upper, ...lower].join(' ')}"/>`);
    out.push(`<polyline class="median" fill="none" stroke="#1f77b4" stroke-width="2" points="${s.bands.map((b, i) => `${f(x(i))},${f(y(plot(b.p50)))}`).join(' ')}"/>`);
  } else {
    out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph / 2}" text-anchor="middle">无数据 (no data)</text>`);
  }
  const ref = (cls: string, value: string | null, label: string) => {
    if (value === null) return;
    const yy = f(y(plot(value)));
    out.push(`<line class="${cls}" x1="${m.left}" y1="${yy}" x2="${m.left + pw}" y2="${yy}" stroke="#b00000" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${m.left + pw - 4}" y="${Number(yy) - 4}" text-anchor="end" fill="#b00000">${xml(`${label} ${value}`)}</text>`);
  };
  ref('minimum', s.minimum, '最低 (minimum)');
  ref('cap', s.cap, '上限 (cap)');
  out.push(`<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle">月份 (Month end) — P50 线, P10–P90 区间</text>`);
  out.push(`</svg>`);
  return out.join('\n') + '\n';
}
