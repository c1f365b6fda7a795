import { splitCsvLine } from '../statement-reader.js';
import { mapHeader } from '../reader/header.js';
import { csvText, validateRow } from './statement.js';

describe('statement header', () => {
  it('accepts snake_case or camelCase in any order and ignores unknown columns', () => {
    const r = mapHeader([
      'Status',
      'bankLoanRef',
      'note',
      'OUTSTANDING_PRINCIPAL',
      'overdue principal',
      'overdue_days',
    ]);
    expect(r).toEqual({
      ok: true,
      header: {
        index: { status: 0, bankloanref: 1, outstandingprincipal: 3, overdueprincipal: 4, overduedays: 5 },
        columns: 6,
      },
    });
  });

  it('names every missing or repeated column at once', () => {
    const r = mapHeader(['bank_loan_ref', 'status', 'Status']);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => [e.field, e.code])).toEqual([
        ['status', 'DUPLICATE_COLUMN'],
        ['outstanding_principal', 'MISSING_COLUMN'],
        ['overdue_principal', 'MISSING_COLUMN'],
        ['overdue_days', 'MISSING_COLUMN'],
      ]);
    }
  });
});

describe('statement rows', () => {
  const good = {
    bankloanref: ' ZB-1 ',
    outstandingprincipal: '25000.00',
    overdueprincipal: '0',
    overduedays: '0',
    status: 'normal',
    asofdate: '2026-03-31',
  };

  it('parses amounts to fen exactly and normalises the status', () => {
    expect(validateRow(good, '2026-03-31')).toEqual({
      ok: true,
      row: {
        ref: 'ZB-1',
        outstandingFen: 2_500_000n,
        overduePrincipalFen: 0n,
        overdueDays: 0,
        status: 'NORMAL',
      },
    });
  });

  it('reports every problem of a row at once', () => {
    const r = validateRow(
      {
        bankloanref: '',
        outstandingprincipal: '1.234',
        overdueprincipal: 12.5,
        overduedays: '-1',
        status: 'LATE',
        asofdate: '2026-03-30',
      },
      '2026-03-31',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.field)).toEqual([
        'bank_loan_ref',
        'outstanding_principal',
        'overdue_principal',
        'overdue_days',
        'status',
        'as_of_date',
      ]);
    }
  });

  it('refuses overdue principal above outstanding, and JSON numbers for money', () => {
    const r = validateRow({ ...good, overdueprincipal: '25000.01' }, '2026-03-31');
    expect(!r.ok && r.errors[0].code).toBe('INCONSISTENT');
    const n = validateRow({ ...good, outstandingprincipal: 25000 }, '2026-03-31');
    expect(!n.ok && n.errors[0].field).toBe('outstanding_principal');
    expect(validateRow({ ...good, overduedays: 12, asofdate: '' }, '2026-03-31').ok).toBe(true);
  });
});

describe('CSV lines', () => {
  it('splits plain lines fast and quoted lines by the CSV grammar', () => {
    expect(splitCsvLine('a, b ,c')).toEqual({ ok: true, cells: ['a', 'b', 'c'] });
    expect(splitCsvLine('"a,1","b""q",c')).toEqual({ ok: true, cells: ['a,1', 'b"q', 'c'] });
    expect(splitCsvLine('"unterminated,2,3').ok).toBe(false);
    expect(splitCsvLine('4,5"x,6').ok).toBe(false);
  });

  it('escapes report cells and neutralises formulas', () => {
    expect(csvText('plain')).toBe('plain');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvText(null)).toBe('');
  });
});
