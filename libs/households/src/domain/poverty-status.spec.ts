import fc from 'fast-check';
import { applicableLine, checkStatusRequest, derivePovertyStatus, resolveStatus, type StatusWithYear } from './poverty-status.js';

const LINE = 356_000n; // 3,560 yuan/person/year in fen

describe('derivePovertyStatus', () => {
  it('is POOR strictly below the line, whatever the history', () => {
    for (const history of [null, { status: 'POOR', graduatedYear: null }, { status: 'GRADUATED', graduatedYear: 2017 }] as const) {
      expect(derivePovertyStatus({ perCapitaIncomeFen: LINE - 1n, incomeYear: 2018, lineFen: LINE, history })).toEqual({
        status: 'POOR',
        graduatedYear: null,
      });
    }
  });

  it('graduates a POOR household that reaches the line, in the income year', () => {
    expect(
      derivePovertyStatus({ perCapitaIncomeFen: LINE, incomeYear: 2018, lineFen: LINE, history: { status: 'POOR', graduatedYear: null } }),
    ).toEqual({ status: 'GRADUATED', graduatedYear: 2018 });
  });

  it('keeps the first graduation year and calls a household without history NON_POOR', () => {
    expect(
      derivePovertyStatus({ perCapitaIncomeFen: LINE * 3n, incomeYear: 2020, lineFen: LINE, history: { status: 'GRADUATED', graduatedYear: 2017 } }),
    ).toEqual({ status: 'GRADUATED', graduatedYear: 2017 });
    expect(derivePovertyStatus({ perCapitaIncomeFen: LINE, incomeYear: 2020, lineFen: LINE })).toEqual({ status: 'NON_POOR', graduatedYear: null });
    expect(
      derivePovertyStatus({ perCapitaIncomeFen: LINE, incomeYear: 2020, lineFen: LINE, history: { status: 'NON_POOR', graduatedYear: null } }),
    ).toEqual({ status: 'NON_POOR', graduatedYear: null });
  });

  it('is POOR exactly when income < line (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10_000_000n }), fc.bigInt({ min: 1n, max: 10_000_000n }), (income, line) => {
        const s = derivePovertyStatus({ perCapitaIncomeFen: income, incomeYear: 2020, lineFen: line, history: { status: 'POOR', graduatedYear: null } });
        expect(s.status === 'POOR').toBe(income < line);
      }),
    );
  });
});

describe('applicableLine', () => {
  const lines = [
    { districtId: null, year: 2016, lineFen: LINE },
    { districtId: '7', year: 2016, lineFen: 400_000n },
    { districtId: null, year: 2017, lineFen: 380_000n },
  ];
  it('prefers the district line, falls back to the city-wide line, and is undefined without either', () => {
    expect(applicableLine(lines, '7', 2016)?.lineFen).toBe(400_000n);
    expect(applicableLine(lines, '8', 2016)?.lineFen).toBe(LINE);
    expect(applicableLine(lines, '7', 2017)?.lineFen).toBe(380_000n);
    expect(applicableLine(lines, '7', 2015)).toBeUndefined();
  });
});

describe('checkStatusRequest', () => {
  it('returns every shape failure at once', () => {
    expect(checkStatusRequest({ status: 'GRADUATED' }, 2020).map((e) => e.code)).toEqual(['GRADUATED_YEAR_REQUIRED']);
    expect(checkStatusRequest({ status: 'POOR', graduatedYear: 2021, overrideReason: 'x'.repeat(501) }, 2020).map((e) => e.code)).toEqual([
      'GRADUATED_YEAR_NOT_ALLOWED',
      'GRADUATED_YEAR_AFTER_INCOME_YEAR',
      'OVERRIDE_REASON_TOO_LONG',
    ]);
    expect(checkStatusRequest({ status: 'GRADUATED', graduatedYear: 2019 }, 2020)).toEqual([]);
  });
});

describe('resolveStatus', () => {
  const poor: StatusWithYear = { status: 'POOR', graduatedYear: null };
  const nonPoor: StatusWithYear = { status: 'NON_POOR', graduatedYear: null };

  it('takes the derived status when none is asked for', () => {
    expect(resolveStatus(poor, {})).toEqual({ ok: true, value: { status: 'POOR', graduatedYear: null, derived: poor, overrideReason: null } });
  });

  it('needs a reason to differ from the derived status, and names the field', () => {
    const r = resolveStatus(nonPoor, { status: 'POOR' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([expect.objectContaining({ field: 'overrideReason', code: 'OVERRIDE_REASON_REQUIRED' })]);
    expect(resolveStatus(nonPoor, { status: 'POOR', overrideReason: '   ' }).ok).toBe(false);
    expect(resolveStatus(nonPoor, { status: 'POOR', overrideReason: ' medical debt verified by village committee ' })).toEqual({
      ok: true,
      value: { status: 'POOR', graduatedYear: null, derived: nonPoor, overrideReason: 'medical debt verified by village committee' },
    });
  });

  it('treats another graduation year as an override', () => {
    const grad: StatusWithYear = { status: 'GRADUATED', graduatedYear: 2018 };
    expect(resolveStatus(grad, { status: 'GRADUATED', graduatedYear: 2018 }).ok).toBe(true);
    expect(resolveStatus(grad, { status: 'GRADUATED', graduatedYear: 2017 }).ok).toBe(false);
  });

  it('keeps a standing override until it is cleared or becomes moot', () => {
    const current = { status: 'POOR' as const, graduatedYear: null, overrideReason: 'disability' };
    expect(resolveStatus(nonPoor, {}, current)).toMatchObject({ ok: true, value: { status: 'POOR', overrideReason: 'disability' } });
    expect(resolveStatus(nonPoor, { clearOverride: true }, current)).toMatchObject({ ok: true, value: { status: 'NON_POOR', overrideReason: null } });
    expect(resolveStatus(poor, {}, current)).toMatchObject({ ok: true, value: { status: 'POOR', overrideReason: null } });
  });
});
