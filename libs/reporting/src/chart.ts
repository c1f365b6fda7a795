import { parseDecimal } from '#libs/money';
import type { LeverageSeries } from './reporting.service.js';

/** Escapes text for SVG/XML content and attribute values. */
export const xml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

/**
 * Plot coordinates only: the figures themselves are exact decimal strings; turning them into pixel positions is
 * the one place a float is right (a pixel has no cents).
 */
const plotValue = (text: string): number => {
  const d = parseDecimal(text)!;
  return Number(d.units) / 10 ** d.scale;
};

/**
 * A hand-written SVG line chart of the leverage ratio (covered outstanding ÷ fund balance) per district at each
 * month end: one polyline per district, the y axis from 0 to above the highest cap, a dashed line at each distinct
 * cap, month labels on the x axis and a legend. Months without fund money leave a gap in the line.
 */
export function leverageChartSvg(series: LeverageSeries, title: string): string {
  const W = 900;
  const H = 480;
  const m = { left: 60, right: 190, top: 50, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const caps = [...new Set(series.districts.map((d) => d.cap))];
  const values = series.districts.flatMap((d) => d.ratios.filter((r): r is string => r !== null).map(plotValue));
  const top = Math.max(1, ...caps.map(plotValue), ...values) * 1.1;
  const step = top <= 5 ? 1 : top <= 12 ? 2 : top <= 30 ? 5 : 10;
  const n = series.months.length;
  const x = (i: number) => m.left + (n <= 1 ? pw / 2 : (pw * i) / (n - 1));
  const yv = (v: number) => m.top + ph - (ph * v) / top;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<title>${xml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${xml(title)}</text>`);
  // axes and grid
  out.push(`<g class="axes" stroke="#333333">`);
  out.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}"/>`);
  out.push(`</g>`);
  for (let v = 0; v <= top; v += step) {
    out.push(`<line x1="${m.left}" y1="${f(yv(v))}" x2="${m.left + pw}" y2="${f(yv(v))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 8}" y="${f(yv(v) + 4)}" text-anchor="end">${v}</text>`);
  }
  series.months.forEach((mo, i) => out.push(`<text class="month" x="${f(x(i))}" y="${m.top + ph + 20}" text-anchor="middle">${xml(mo)}</text>`));
  out.push(`<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle">月份 (Month end)</text>`);
  out.push(`<text x="16" y="${m.top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + ph / 2})">放大倍数 (Leverage ratio)</text>`);
  for (const c of caps) {
    const yc = f(yv(plotValue(c)));
    out.push(`<line class="cap" x1="${m.left}" y1="${yc}" x2="${m.left + pw}" y2="${yc}" stroke="#b00000" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${m.left + pw - 4}" y="${Number(yc) - 4}" text-anchor="end" fill="#b00000">上限 (cap) ${xml(c)}×</text>`);
  }
  series.districts.forEach((d, k) => {
    const colour = COLOURS[k % COLOURS.length];
    // split the line where a month has no ratio (no fund money yet)
    const runs: string[][] = [[]];
    d.ratios.forEach((r, i) => {
      if (r === null) runs.push([]);
      else runs[runs.length - 1].push(`${f(x(i))},${f(yv(plotValue(r)))}`);
    });
    for (const run of runs.filter((r) => r.length)) {
      if (run.length === 1) {
        const [cx, cy] = run[0].split(',');
        out.push(`<circle class="district" data-district="${xml(d.districtCode)}" cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>`);
      } else {
        out.push(`<polyline class="district" data-district="${xml(d.districtCode)}" fill="none" stroke="${colour}" stroke-width="2" points="${run.join(' ')}"/>`);
      }
    }
    const ly = m.top + 10 + k * 18;
    out.push(`<line x1="${W - m.right + 16}" y1="${ly}" x2="${W - m.right + 36}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${W - m.right + 42}" y="${ly + 4}">${xml(`${d.districtName} (${d.districtCode})`)}</text>`);
  });
  if (!series.districts.length) out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph / 2}" text-anchor="middle">无数据 (no data)</text>`);
  out.push(`</svg>`);
  return out.join('\n') + '\n';
}
