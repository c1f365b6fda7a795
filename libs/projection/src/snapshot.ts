import type { EntityManager } from 'typeorm';
import type { ProductsService } from '#libs/products';
import { termsOf, type LoanRow } from '#libs/repayment';
import type { BookSnapshot, NewLoanTerms, ProductKind, SnapshotLoan } from './domain/model.js';
import type { BookStore } from './store/book.store.js';

const big = (s: string | null | undefined): bigint => BigInt(s ?? '0');

/**
 * The books as of `asOf`, read once in the caller's (read-only) transaction: each live loan with the terms the
 * repayment engine applies to it (`termsOf`, the same function), its frozen schedule and its payments; the funds'
 * cash and capital, the risk funds' balance and cover available from the ledger at that date; agreements and budgets.
 * A covered loan's payments are the bank's reported payments of each instalment paid by that date (principal and
 * fee, on its paid date), replayed without penalty: the fund does not charge the bank's borrowers. Loans closed
 * after the date are still live in it, so a snapshot may be taken of a past business date (a back-test).
 */
export async function readSnapshot(m: EntityManager, store: BookStore, products: ProductsService, asOf: string): Promise<BookSnapshot> {
  const loans = await store.loans(m, asOf);
  const ids = loans.map((l) => l.id);
  const rows = new Map((await store.loanRows<LoanRow>(m, ids)).map((r) => [r.id, r]));
  const inst = await store.installments(m, ids);
  const pays = await store.payments(m, ids, asOf);
  const byLoan = <T extends { loan_id: string }>(xs: T[]) => {
    const out = new Map<string, T[]>();
    for (const x of xs) out.set(x.loan_id, [...(out.get(x.loan_id) ?? []), x]);
    return out;
  };
  const instOf = byLoan(inst);
  const payOf = byLoan(pays);
  const out: SnapshotLoan[] = [];
  for (const l of loans) {
    const row = rows.get(l.id)!;
    const terms = await termsOf(m, products, row);
    const its = instOf.get(l.id) ?? [];
    const covered = l.channel === 'BANK_COVERED';
    out.push({
      id: l.id,
      channel: l.channel,
      kind: l.kind as ProductKind,
      householdId: l.household_id,
      fundId: l.fund_id,
      riskFundId: l.risk_fund_id,
      agreementId: l.agreement_id,
      coverMultiple: l.cover_multiple,
      nplOverdueDays: l.npl_overdue_days,
      terms: covered ? { ...terms, penaltyRatePercent: '0' } : terms,
      schedule: its.map((i) => ({
        number: i.number,
        periodStart: i.period_start,
        dueDate: i.due_date,
        days: i.days,
        principalFen: big(i.principal_fen),
        originalInterestFen: big(i.original_interest_fen ?? i.interest_fen),
      })),
      payments: covered
        ? its
            .filter((i) => i.paid_on !== null && i.paid_on <= asOf)
            .map((i) => ({ id: String(i.number), valueDate: i.paid_on!, amountFen: big(i.paid_principal_fen) + big(i.paid_interest_fen) }))
        : (payOf.get(l.id) ?? []).map((p) => ({ id: p.id, valueDate: p.value_date, amountFen: big(p.amount_fen) })),
      termMonths: l.term_months,
      subsidy:
        l.subsidy_programme_id && l.subsidy_rate_percent
          ? { programmeId: l.subsidy_programme_id, ratePercent: l.subsidy_rate_percent, basisCapFen: big(l.subsidy_basis_cap_fen) }
          : null,
    });
  }
  const funds = await store.funds(m);
  const riskFunds = await store.riskFunds(m);
  const balances = new Map(
    (await store.balances(m, ['MAF:', 'RF:', 'SUB:'], asOf)).map((b) => [b.code, BigInt(b.fen)]),
  );
  const bal = (code: string) => balances.get(code) ?? 0n;
  const capitalOf = (fundId: string) =>
    [...balances.entries()].filter(([c]) => c.startsWith(`MAF:${fundId}:CAPITAL:`)).reduce((s, [, v]) => s + v, 0n);
  const newLoans = async (f: (typeof funds)[number]): Promise<NewLoanTerms | null> => {
    if (!f.product_version_id) return null;
    const p = await products.getVersion(f.product_version_id, m);
    return {
      annualRatePercent: f.annual_rate_percent ?? p.fixedRatePercent ?? '0',
      rateSource: p.rateSource === 'BENCHMARK' ? 'BENCHMARK' : 'FIXED',
      markupPercent: p.markupPercent ?? '0',
      terms: {
        method: p.method,
        frequency: p.frequency,
        dayCount: p.dayCount,
        rounding: p.rounding,
        graceDays: p.graceDays,
        waterfall: p.waterfall as SnapshotLoan['terms']['waterfall'],
        prepaymentMode: p.prepaymentMode as SnapshotLoan['terms']['prepaymentMode'],
        earlyRepaymentFee: p.earlyRepaymentFee as SnapshotLoan['terms']['earlyRepaymentFee'],
        penaltyBasis: p.penaltyBasis,
        penaltyRatePercent: p.penaltyRatePercent,
      },
      installmentMultipleFen: BigInt(p.installmentMultipleFen),
      nplOverdueDays: 90,
      maxLoanFen: BigInt(f.max_loan_fen),
      maxTermMonths: f.max_term_months,
    };
  };
  return {
    asOf,
    loans: out,
    funds: await Promise.all(
      funds.map(async (f) => ({
        id: f.id,
        villageId: f.village_id,
        districtId: f.district_id,
        name: f.name,
        cashFen: bal(`MAF:${f.id}:CASH`),
        capitalFen: capitalOf(f.id),
        lendingCapPercent: f.lending_cap_percent,
        newLoans: await newLoans(f),
      })),
    ),
    riskFunds: riskFunds.map((r) => ({
      id: r.id,
      districtId: r.district_id,
      name: r.name,
      balanceFen: bal(`RF:${r.id}:BALANCE`),
      availableFen: bal(`RF:${r.id}:COVER:AVAILABLE`),
      heavyTask: r.heavy_task,
      minimumFen: BigInt(r.minimum_fund_fen),
      nplOverdueDays: r.npl_overdue_days,
    })),
    agreements: (await store.agreements(m, asOf)).map((a) => ({
      id: a.id,
      riskFundId: a.risk_fund_id,
      bankId: a.bank_id,
      leverageMultiple: a.leverage_multiple,
      nplThresholdPercent: a.npl_threshold_percent,
      fundSharePercent: a.fund_share_percent,
      bankSharePercent: a.bank_share_percent,
      triggerDays: a.trigger_days,
      validFrom: a.valid_from,
      validTo: a.valid_to,
    })),
    budgets: (await store.budgets(m)).map((b) => ({
      programmeId: b.programme_id,
      year: b.year,
      budgetFen: BigInt(b.budget_fen),
      committedFen: BigInt(b.committed_fen),
      cashFen: bal(`SUB:${b.programme_id}:BUDGET`),
    })),
    benchmarkRatePercent: await store.benchmark(m, asOf),
    programmes: (await store.programmes(m)).map((p) => ({
      id: p.id,
      endMonths: p.period_end_months.map(Number),
      endDay: p.period_end_day,
      graceDays: p.grace_days,
    })),
    coveredProducts: await Promise.all(
      (await store.coveredProductVersions(m)).map(async ({ version_id }) => {
        const p = await products.getVersion(version_id, m);
        return {
          code: p.code,
          rateSource: p.rateSource === 'BENCHMARK' ? ('BENCHMARK' as const) : ('FIXED' as const),
          fixedRatePercent: p.fixedRatePercent ?? '0',
          markupPercent: p.markupPercent ?? '0',
          terms: {
            penaltyRatePercent: '0',
            method: p.method,
            frequency: p.frequency,
            dayCount: p.dayCount,
            rounding: p.rounding,
            graceDays: p.graceDays,
            waterfall: p.waterfall as SnapshotLoan['terms']['waterfall'],
            prepaymentMode: p.prepaymentMode as SnapshotLoan['terms']['prepaymentMode'],
            earlyRepaymentFee: p.earlyRepaymentFee as SnapshotLoan['terms']['earlyRepaymentFee'],
          },
          installmentMultipleFen: BigInt(p.installmentMultipleFen),
        };
      }),
    ),
  };
}
