import { allocate, minFen, sumFen, type Fen } from '#libs/money';

export interface OutstandingRun {
  runId: string;
  year: number;
  lines: { lineId: string; outstandingFen: Fen }[];
}

/**
 * An operator paying (part of) the floor it owed: the oldest year is settled first (the households have waited
 * longest), and within a year the payment is shared in proportion to what each holder is still owed, so nobody is
 * paid beyond its entitlement and the parts sum exactly to the payment.
 */
export function allocateSettlement(amountFen: Fen, runs: readonly OutstandingRun[]): Map<string, Fen> {
  const out = new Map<string, Fen>();
  let left = amountFen;
  for (const run of [...runs].sort((a, b) => a.year - b.year)) {
    if (left === 0n) break;
    const owed = sumFen(run.lines.map((l) => l.outstandingFen));
    if (owed === 0n) continue;
    const pay = minFen(left, owed);
    const parts = allocate(pay, run.lines.map((l) => l.outstandingFen));
    run.lines.forEach((l, i) => parts[i] > 0n && out.set(l.lineId, parts[i]));
    left -= pay;
  }
  if (left > 0n) throw new RangeError('the settlement exceeds what is owed');
  return out;
}
