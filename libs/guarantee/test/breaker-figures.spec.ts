import { RequestContext } from '#libs/common';
import { BreakerService, RiskFundsService, seedCoveredLoans, seedGuarantee } from '#libs/guarantee';
import { seedRegistry } from '#libs/households';
import { seedBenchmarkRates, seedProducts } from '#libs/products';
import { BreakerStore } from '../src/store/breaker.store.js';
import { RiskFundsStore } from '../src/store/risk-funds.store.js';
import { createTestApp, type TestApp } from '#libs/testing';
import { createCoveredLoan, createDistrict } from '../../../test/guarantee/fixtures.js';

/**
 * The breaker's figures come from the ledger's EXPOSURE:OUTSTANDING balances and the overdue loans only
 * (store/breaker.store.ts). They must equal what the breaker computed before: the sum over every disbursed covered
 * loan of the district, whole and past the fund's npl_overdue_days, per district and per bank.
 */
const FULL_SCAN_SQL = `
  SELECT rf.district_id::text AS district_id,
         coalesce(sum(l.outstanding_principal_fen), 0)::text AS outstanding,
         coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue > rf.npl_overdue_days), 0)::text AS npl
    FROM risk_funds rf
    LEFT JOIN loans l ON l.district_id = rf.district_id AND l.channel = 'BANK_COVERED' AND l.status = 'DISBURSED'
                     AND ($1::bigint IS NULL OR l.bank_id = $1::bigint)
   GROUP BY rf.id, rf.district_id
   ORDER BY rf.district_id`;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
}, 60_000);
afterAll(async () => t.close());

async function compare(bankId: string | null) {
  const breaker = t.app.get(BreakerService);
  const ds = t.db.dataSource;
  const expected = (await ds.query(FULL_SCAN_SQL, [bankId])) as {
    district_id: string;
    outstanding: string;
    npl: string;
  }[];
  const got =
    bankId === null
      ? await breaker.figures(null, null)
      : await (async () => {
          // the bank's own view goes through the same statement with the bank filter
          return (await new BreakerStore(ds).figures(null, null, '10', bankId)).map((r) => ({
            districtId: String(r.district_id),
            outstandingFen: BigInt(r.outstanding),
            nplFen: BigInt(r.npl),
          }));
        })();
  expect(
    got.map((f) => ({
      district_id: String(f.districtId),
      outstanding: String(f.outstandingFen),
      npl: String(f.nplFen),
    })),
  ).toEqual(expected);
  // the cover rules' NPL figures of each district (registration, reservation) are counted the same way
  if (bankId === null) {
    const funds = new RiskFundsStore(ds);
    for (const e of expected) {
      const row = await funds.nplFigures(null, e.district_id, 90);
      expect({ district_id: e.district_id, outstanding: row.outstanding, npl: row.npl }).toEqual(e);
    }
  }
  return expected;
}

it('the ledger-based figures equal the sum over every covered loan, for the district and for each bank', async () => {
  await seedBenchmarkRates(t.app);
  await seedProducts(t.app);
  await seedRegistry(t.app);
  await seedGuarantee(t.app);
  await seedCoveredLoans(t.app);
  const ds = t.db.dataSource;

  const all = await compare(null);
  // the demo book has covered principal outstanding, repaid in part: the check is not vacuous
  expect(all.some((r) => BigInt(r.outstanding) > 0n)).toBe(true);
  const banks = (await ds.query(`SELECT DISTINCT bank_id::text AS id FROM guarantee_agreements`)) as {
    id: string;
  }[];
  expect(banks.length).toBeGreaterThan(0);
  for (const b of banks) await compare(b.id);

  // a disbursed covered loan no agreement carries (a book taken over without covers) counts from its own row
  const district = await createDistrict(ds);
  await RequestContext.run(
    {
      requestId: 'req-breaker-figures',
      actor: { userId: null, username: 'fund.admin', role: 'FUND_ADMIN', bankId: null, via: 'jwt' },
    },
    () => t.app.get(RiskFundsService).create({ districtId: district.districtId }),
  );
  await createCoveredLoan(ds, { district, bankId: banks[0]!.id, principalFen: 1_234_500n, daysOverdue: 200 });
  await createCoveredLoan(ds, { district, bankId: banks[0]!.id, principalFen: 700_000n });
  const withUncovered = await compare(null);
  expect(withUncovered.find((r) => r.district_id === String(district.districtId))).toEqual({
    district_id: String(district.districtId),
    outstanding: '1934500',
    npl: '1234500',
  });
  await compare(banks[0]!.id);

  // ageing, reported overdue days and a loan closed move only the overdue part and the book: still equal
  await ds.query(
    `UPDATE loans SET days_overdue = 95 WHERE id = (SELECT min(id) FROM loans WHERE channel = 'BANK_COVERED' AND status = 'DISBURSED' AND agreement_id IS NOT NULL AND days_overdue = 0)`,
  );
  const aged = await compare(null);
  expect(aged.filter((r) => BigInt(r.npl) > 0n).length).toBe(2);

  // a district without a fund yet: no agreements, its covered loans summed, the default NPL line
  const unfunded = await createDistrict(ds);
  await createCoveredLoan(ds, {
    district: unfunded,
    bankId: banks[0]!.id,
    principalFen: 500_000n,
    daysOverdue: 91,
  });
  await createCoveredLoan(ds, {
    district: unfunded,
    bankId: banks[0]!.id,
    principalFen: 300_000n,
    daysOverdue: 90,
  });
  const row = await new RiskFundsStore(ds).nplFigures(null, String(unfunded.districtId), 90);
  expect(row).toEqual({ npl_overdue_days: 90, outstanding: '800000', npl: '500000' });
});
