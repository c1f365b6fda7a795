import { formatDecimal, parseDecimal, pow10, type Decimal } from '#libs/money';

/**
 * Exact arithmetic on rates given as decimal strings of percent per year. Postgres numeric(9,6) hands rates back
 * as "4.350000"; the API and the contract rate carry the shortest exact form ("4.35").
 */
function parse(text: string): Decimal {
  const d = parseDecimal(text);
  if (!d) throw new RangeError(`not a decimal rate: ${text}`);
  return d;
}

function trim(d: Decimal): Decimal {
  let { units, scale } = d;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

/** The shortest exact form of a rate: "4.350000" → "4.35", "6.000000" → "6", "0.000000" → "0". */
export function normalizePercent(text: string): string {
  return formatDecimal(trim(parse(text)));
}

/** a + b exactly (the benchmark rate plus a product markup). */
export function addPercent(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const units = x.units * pow10(scale - x.scale) + y.units * pow10(scale - y.scale);
  return formatDecimal(trim({ units, scale }));
}

/**
 * rate × (1 + surcharge / 100) exactly: a penalty rate set as a surcharge on the contract rate
 * (4.35 with a 50 % surcharge → "6.525"). The result is exact, so it may carry more decimals than its inputs.
 */
export function applySurcharge(ratePercent: string, surchargePercent: string): string {
  const r = parse(ratePercent);
  const s = parse(surchargePercent);
  const units = r.units * (100n * pow10(s.scale) + s.units);
  return formatDecimal(trim({ units, scale: r.scale + s.scale + 2 }));
}
