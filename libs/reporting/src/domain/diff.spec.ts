import { difference, diffReports, type DiffSpec, type SectionKey } from './diff.js';

interface Row {
  id: string;
  code: string;
  balance: string;
  count: number;
  ratio: string | null;
  nested: { shortfall: string; ok: boolean };
}

const spec: DiffSpec = { rows: { key: (r: Row) => r.id, labels: ['id', 'code'] } as SectionKey<never> };
const row = (id: string, over: Partial<Row> = {}): Row => ({ id, code: `C${id}`, balance: '100.00', count: 1, ratio: '0.1000', nested: { shortfall: '0.00', ok: true }, ...over });

describe('difference', () => {
  it('is exact for decimal strings, at the larger scale, and for integers', () => {
    expect(difference('1000000.00', '998000.00')).toBe('-2000.00');
    expect(difference('0.10', '0.3')).toBe('0.20');
    expect(difference('0.1000', '0.1002')).toBe('0.0002');
    // a float would say 0.30000000000000004 − 0.1 ≠ 0.2
    expect(difference('0.1', '0.3')).toBe('0.2');
    expect(difference('90071992547409.93', '90071992547409.94')).toBe('0.01');
    expect(difference(1, 3)).toBe('2');
    expect(difference('-5.00', '5.00')).toBe('10.00');
  });

  it('is null when either side is not a number (null, text, a flag)', () => {
    expect(difference(null, '1.00')).toBeNull();
    expect(difference('1.00', null)).toBeNull();
    expect(difference(true, false)).toBeNull();
    expect(difference('abc', '1.00')).toBeNull();
    expect(difference(1.5, 2)).toBeNull();
  });
});

describe('diffReports', () => {
  it('matches rows by key (not position), walks nested objects, and lists only the figures that differ, by field name', () => {
    const before = { month: '2026-01', rows: [row('1'), row('2')], totals: { balance: '200.00', count: 2 } };
    const after = {
      month: '2026-01',
      rows: [row('2', { count: 3 }), row('1', { balance: '98.50', ratio: null, nested: { shortfall: '1.50', ok: false } })],
      totals: { balance: '198.50', count: 4 },
    };
    const d = diffReports(before, after, spec);
    expect(d.rows).toEqual([]);
    expect(d.figures).toEqual([
      { section: 'rows', key: '2', row: { id: '2', code: 'C2' }, field: 'count', before: 1, after: 3, difference: '2' },
      { section: 'rows', key: '1', row: { id: '1', code: 'C1' }, field: 'balance', before: '100.00', after: '98.50', difference: '-1.50' },
      { section: 'rows', key: '1', row: { id: '1', code: 'C1' }, field: 'nested.ok', before: true, after: false, difference: null },
      { section: 'rows', key: '1', row: { id: '1', code: 'C1' }, field: 'nested.shortfall', before: '0.00', after: '1.50', difference: '1.50' },
      { section: 'rows', key: '1', row: { id: '1', code: 'C1' }, field: 'ratio', before: '0.1000', after: null, difference: null },
      { section: 'totals', key: null, row: {}, field: 'balance', before: '200.00', after: '198.50', difference: '-1.50' },
      { section: 'totals', key: null, row: {}, field: 'count', before: 2, after: 4, difference: '2' },
    ]);
  });

  it('reports rows present in one version only, without repeating their figures', () => {
    const d = diffReports({ rows: [row('1'), row('2')] }, { rows: [row('1'), row('3')] }, spec);
    expect(d.rows).toEqual([
      { section: 'rows', key: '3', row: { id: '3', code: 'C3' }, change: 'ADDED' },
      { section: 'rows', key: '2', row: { id: '2', code: 'C2' }, change: 'REMOVED' },
    ]);
    expect(d.figures).toEqual([]);
  });

  it('the order does not depend on the key order of the JSON (jsonb does not keep it)', () => {
    const a = { totals: { count: 2, balance: '1.00' }, rows: [row('1')] };
    const b = { rows: [{ ...row('1'), count: 5, balance: '2.00' }], totals: { balance: '2.00', count: 3 } };
    const swapped = { rows: [Object.fromEntries(Object.entries(b.rows[0]).reverse())], totals: { count: 3, balance: '2.00' } };
    const order = (d: ReturnType<typeof diffReports>) => d.figures.map((f) => `${f.section}.${f.field}`);
    expect(order(diffReports(a, b, spec))).toEqual(['rows.balance', 'rows.count', 'totals.balance', 'totals.count']);
    expect(diffReports(a, swapped, spec)).toEqual(diffReports(a, b, spec));
  });

  it('equal reports have no changes; a changed top-level value is listed under "report"', () => {
    const r = { month: '2026-01', rows: [row('1')], totals: { balance: '1.00' } };
    expect(diffReports(r, structuredClone(r), spec)).toEqual({ rows: [], figures: [] });
    expect(diffReports(r, { ...r, month: '2026-02' }, spec).figures).toEqual([
      { section: 'report', key: null, row: {}, field: 'month', before: '2026-01', after: '2026-02', difference: null },
    ]);
  });
});
