import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, FixedClock, RequestContext, type Actor } from '#libs/common';
import { ContributionsService, FundsService } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { LoanAgeingStore, LoanStore } from '#libs/loans';
import { ProductsService, RatesService } from '#libs/products';
import {
  FeeDistributionService,
  FeeDistributionStore,
  InstallmentFactsService,
  InstallmentFactsStore,
  loadRepaymentConfig,
  RepaymentReversalService,
  RepaymentService,
  RepaymentStore,
  ReplayBookkeeping,
  StatementService,
  WriteOffService,
  WriteOffStore,
  type RepaymentConfig,
} from '#libs/repayment';
import { generateSchedule, type ScheduleRequest } from '#libs/schedules';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/**
 * Fixtures of the repayment and COB tests. Loan origination (applications → disbursement) is another library;
 * `disburse` does what its disbursement does, under the same rules: the fund row locked, the cash and lending cap
 * checked from the ledger, the loan DISBURSED with its instalments frozen from the schedule engine, and one entry
 * LOANS ↑ / CASH ↓ (LOAN_DISBURSEMENT) whose CASH line the ledger refuses to take below zero.
 */

let seq = 0;
export const unique = (): string => `${process.pid % 10000}${++seq}${randomBytes(2).toString('hex')}`;
let keySeq = 0;
export const key = (p = 'k'): string => `${p}-${++keySeq}-${randomBytes(4).toString('hex')}`;

export const noonOf = (date: string): Date => new Date(`${date}T04:00:00Z`);
export const setToday = (clock: FixedClock, date: string): void => clock.set(noonOf(date));

export function asActor<T>(role: string, fn: () => Promise<T>, username = role.toLowerCase()): Promise<T> {
  const actor: Actor = { userId: null, username, role, bankId: null, via: 'jwt' };
  return RequestContext.run({ requestId: `test-${randomBytes(4).toString('hex')}`, actor }, fn);
}

/** Catches a rejection so a test can look at it (and fails loudly if there was none). */
export async function refused(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a refusal, but the operation succeeded');
}

export interface RepaymentHarness {
  db: TestDatabase;
  ds: DataSource;
  clock: FixedClock;
  config: RepaymentConfig;
  /** The services' ledger, with the clock as the API and the worker build it. */
  ledger: LedgerService;
  /** A ledger without a clock, for a test's own setup entries on any date (a loan disbursed after today's date). */
  setupLedger: LedgerService;
  audit: AuditService;
  funds: FundsService;
  contributions: ContributionsService;
  products: ProductsService;
  repayments: RepaymentService;
  statements: StatementService;
  writeOffs: WriteOffService;
  distributions: FeeDistributionService;
  facts: InstallmentFactsService;
}

/** The services wired by hand on a database of this test file's own, with a clock the test moves. */
export async function repaymentHarness(
  opts: { poolSize?: number; today?: string; env?: Record<string, string> } = {},
): Promise<RepaymentHarness> {
  const db = await createTestDatabase(opts.poolSize ?? 20);
  return harnessOn(db, opts);
}

export function harnessOn(
  db: TestDatabase,
  opts: { today?: string; env?: Record<string, string> } = {},
): RepaymentHarness {
  const ds = db.dataSource;
  const clock = new FixedClock(noonOf(opts.today ?? '2026-01-15'));
  const config = loadRepaymentConfig(opts.env ?? {});
  // with the clock, as the API and worker build it: an entry dated after today is refused, and one dated today may be
  // applied with COMMIT (LedgerService.postingAtCommit)
  const ledger = new LedgerService(ds, clock);
  const audit = new AuditService(ds);
  const funds = new FundsService(ds, ledger, audit);
  const contributions = new ContributionsService(ds, funds, ledger, audit, clock);
  const products = new ProductsService(ds, audit, new RatesService(ds, audit, clock));
  const repaymentStore = new RepaymentStore(ds);
  const writeOffStore = new WriteOffStore(ds);
  const loans = new LoanStore(ds);
  const bookkeeping = new ReplayBookkeeping(ledger, repaymentStore, loans, new LoanAgeingStore());
  const reversals = new RepaymentReversalService(
    ds,
    ledger,
    audit,
    funds,
    products,
    clock,
    repaymentStore,
    writeOffStore,
    bookkeeping,
    loans,
  );
  return {
    db,
    ds,
    clock,
    config,
    ledger,
    setupLedger: new LedgerService(ds),
    audit,
    funds,
    contributions,
    products,
    repayments: new RepaymentService(
      ds,
      ledger,
      audit,
      funds,
      products,
      clock,
      config,
      repaymentStore,
      writeOffStore,
      bookkeeping,
      reversals,
      loans,
    ),
    statements: new StatementService(ds, products, clock, repaymentStore, writeOffStore, loans),
    writeOffs: new WriteOffService(
      ds,
      ledger,
      audit,
      funds,
      products,
      clock,
      config,
      writeOffStore,
      repaymentStore,
      loans,
    ),
    distributions: new FeeDistributionService(ds, ledger, audit, funds, clock, new FeeDistributionStore(ds)),
    facts: new InstallmentFactsService(new InstallmentFactsStore(ds)),
  };
}

export interface FundFixture {
  fundId: string;
  villageId: string;
  districtId: string;
}

/** A village with a mutual-aid fund holding `capitalFen` (a DISTRICT contribution received on `on`). */
export async function createFund(
  h: RepaymentHarness,
  capitalFen: bigint,
  on = '2026-01-01',
): Promise<FundFixture> {
  const u = unique();
  const [d] = await h.ds.query(`INSERT INTO districts (code, name) VALUES ($1, $1) RETURNING id::text`, [
    `D${u}`,
  ]);
  const [t] = await h.ds.query(
    `INSERT INTO towns (district_id, code, name) VALUES ($1, $2, $2) RETURNING id::text`,
    [d.id, `T${u}`],
  );
  const [v] = await h.ds.query(
    `INSERT INTO villages (town_id, district_id, code, name) VALUES ($1, $2, $3, $3) RETURNING id::text`,
    [t.id, d.id, `V${u}`],
  );
  const fund = await asActor('FUND_ADMIN', () => h.funds.create({ villageId: v.id }));
  await asActor('FUND_ADMIN', () =>
    h.contributions.contribute(
      fund.id,
      {
        source: 'DISTRICT',
        amountFen: capitalFen,
        receivedOn: on,
        year: Number(on.slice(0, 4)),
        documentRef: '区财预〔2026〕1号',
      },
      key('cap'),
    ),
  );
  return { fundId: fund.id, villageId: v.id, districtId: d.id };
}

let idSeq = 0;
export async function createHousehold(ds: DataSource, villageId: string): Promise<string> {
  const n = (++idSeq + (process.pid % 1000) * 100000).toString().padStart(9, '0');
  const idNumber = `370302${n}${randomBytes(2).readUInt16BE(0) % 1000}`.padEnd(18, '0').slice(0, 18);
  const [h] = await ds.query(
    `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year,
                             status, derived_status)
     VALUES ($1, $2, $3, '1980-05-01', 3, 300000, 2025, 'POOR', 'POOR') RETURNING id::text`,
    [villageId, `Head ${n.slice(-4)}`, idNumber],
  );
  return h.id;
}

/** A joint-liability group of `size` new households of the village; returns the group and its members. */
export async function createGroup(
  ds: DataSource,
  villageId: string,
  size = 3,
): Promise<{ groupId: string; members: string[] }> {
  const [g] = await ds.query(
    `INSERT INTO liability_groups (village_id, name) VALUES ($1, $2) RETURNING id::text`,
    [villageId, `G${unique()}`],
  );
  const members: string[] = [];
  for (let k = 0; k < size; k++) {
    const hh = await createHousehold(ds, villageId);
    await ds.query(`INSERT INTO liability_group_members (group_id, household_id) VALUES ($1, $2)`, [
      g.id,
      hh,
    ]);
    members.push(hh);
  }
  return { groupId: g.id, members };
}

export interface ProductOptions {
  method?: ScheduleRequest['method'];
  frequency?: ScheduleRequest['frequency'];
  dayCount?: ScheduleRequest['dayCount'];
  graceDays?: number;
  penaltyRatePercent?: string;
  penaltyBasis?: 'ANNUAL_RATE' | 'SURCHARGE_ON_CONTRACT';
  prepaymentMode?: 'SHORTEN_TERM' | 'LOWER_INSTALLMENT';
  /** The usage fee of an instalment paid before its due date (the column's default: ACCRUED). */
  earlyRepaymentFee?: 'ACCRUED' | 'PERIOD';
  waterfall?: string[];
  fixedRatePercent?: string;
}

/** A MUTUAL_AID product version (default: BULLET at maturity, 6 %, penalty a 50 % surcharge, no grace). */
export async function createProduct(ds: DataSource, o: ProductOptions = {}): Promise<string> {
  const u = unique();
  const method = o.method ?? 'BULLET';
  const frequency = o.frequency ?? (method === 'BULLET' ? 'AT_MATURITY' : 'MONTHLY');
  const [p] = await ds.query(
    `INSERT INTO products (code, kind, name) VALUES ($1, 'MUTUAL_AID', $1) RETURNING id::text`,
    [`P${u}`],
  );
  const [pv] = await ds.query(
    `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                   method, frequency, day_count, rate_source, fixed_rate_percent, penalty_rate_percent, penalty_basis,
                                   grace_days, prepayment_mode, waterfall, requires_group, created_by, early_repayment_fee)
     VALUES ($1, 1, $2, 10000, 100000000, 1, 36, $3, $4, $5, 'FIXED', $6, $7, $8, $9, $10, $11, false, 'test', $12) RETURNING id::text`,
    [
      p.id,
      `product ${u}`,
      method,
      frequency,
      o.dayCount ?? 'PERIOD',
      o.fixedRatePercent ?? '6',
      o.penaltyRatePercent ?? '50',
      o.penaltyBasis ?? 'SURCHARGE_ON_CONTRACT',
      o.graceDays ?? 0,
      o.prepaymentMode ?? 'SHORTEN_TERM',
      o.waterfall ?? [
        'OVERDUE_PENALTY',
        'OVERDUE_INTEREST',
        'OVERDUE_PRINCIPAL',
        'CURRENT_INTEREST',
        'CURRENT_PRINCIPAL',
        'FUTURE',
      ],
      o.earlyRepaymentFee ?? 'ACCRUED',
    ],
  );
  return pv.id;
}

export interface DisburseInput {
  fund: FundFixture;
  productVersionId: string;
  householdId?: string;
  groupId?: string;
  principalFen: bigint;
  termMonths?: number;
  numberOfInstallments?: number;
  annualRatePercent?: string;
  date: string;
  /** Deterministic loan number (tests that compare two databases); a unique one otherwise. */
  loanNo?: string;
}

/** Disburses a mutual-aid loan as origination does (see the file comment). */
export async function disburse(h: RepaymentHarness, input: DisburseInput): Promise<string> {
  const [pv] = await h.ds.query(
    `SELECT method, frequency, day_count, rounding, fixed_rate_percent::text AS rate FROM product_versions WHERE id = $1`,
    [input.productVersionId],
  );
  const rate = input.annualRatePercent ?? pv.rate;
  const term = input.termMonths ?? 12;
  const n =
    pv.frequency === 'AT_MATURITY'
      ? 1
      : (input.numberOfInstallments ?? term / (pv.frequency === 'QUARTERLY' ? 3 : 1));
  const schedule = generateSchedule({
    principalFen: input.principalFen,
    annualRatePercent: rate,
    numberOfInstallments: n,
    frequency: pv.frequency,
    termMonths: term,
    method: pv.method,
    dayCount: pv.day_count,
    disbursementDate: input.date,
    rounding: pv.rounding,
    installmentMultipleFen: 1n,
    principalGraceInstallments: 0,
  });
  const householdId = input.householdId ?? (await createHousehold(h.ds, input.fund.villageId));
  return asActor('FUND_ADMIN', () =>
    h.ds.transaction(async (m) => {
      const fund = await h.funds.lockFund(m, input.fund.fundId);
      const position = await h.funds.position(m, fund.id);
      if (position.availableToLendFen < input.principalFen) {
        throw new DomainError(
          'FUND_INSUFFICIENT_CASH',
          `fund ${fund.id} can lend ${position.availableToLendFen} fen, not ${input.principalFen}`,
        );
      }
      const u = unique();
      const [loan] = await m.query(
        `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, fund_id, group_id,
                            principal_fen, term_months, annual_rate_percent, purpose, method, frequency, day_count, rounding, status,
                            application_date, contract_date, disbursement_date, maturity_date, outstanding_principal_fen, created_by,
                            approved_by)
         VALUES ($1, 'MUTUAL_AID', $2, 'HOUSEHOLD', $3, $4, $5, $6, $7, $8, $9, $10, 'LIVESTOCK', $11, $12, $13, $14, 'DISBURSED',
                 $15, $15, $15, $16, $8, 'officer', 'approver') RETURNING id::text`,
        [
          input.loanNo ?? `T-${u}`,
          input.productVersionId,
          householdId,
          input.fund.districtId,
          input.fund.villageId,
          fund.id,
          input.groupId ?? null,
          input.principalFen.toString(),
          term,
          rate,
          pv.method,
          pv.frequency,
          pv.day_count,
          pv.rounding,
          input.date,
          schedule.installments[schedule.installments.length - 1].dueDate,
        ],
      );
      for (const i of schedule.installments) {
        await m.query(
          `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            loan.id,
            i.number,
            i.dueDate,
            i.periodStart,
            i.days,
            i.principalFen.toString(),
            i.interestFen.toString(),
          ],
        );
      }
      const { entryId } = await h.setupLedger.post(m, {
        idempotencyKey: `disburse:loan:${loan.id}`,
        code: 'LOAN_DISBURSEMENT',
        valueDate: input.date,
        lines: [
          { account: fund.accounts.loans, side: 'DEBIT', amountFen: input.principalFen },
          { account: fund.accounts.cash, side: 'CREDIT', amountFen: input.principalFen },
        ],
      });
      await m.query(`UPDATE loans SET disbursement_entry_id = $2 WHERE id = $1`, [loan.id, entryId]);
      return loan.id as string;
    }),
  );
}

/** The instalment rows of a loan as plain numbers-as-strings, for comparisons. */
export async function installmentsOf(ds: DataSource, loanId: string) {
  return (await ds.query(
    `SELECT number, due_date, status, principal_fen::text, interest_fen::text, penalty_fen::text, penalty_fen_days::text,
            accrued_through, paid_principal_fen::text, paid_interest_fen::text, paid_penalty_fen::text, overdue_since, paid_on,
            interest_paid_on
       FROM loan_installments WHERE loan_id = $1 ORDER BY number`,
    [loanId],
  )) as Record<string, string | number | null>[];
}

export async function loanOf(ds: DataSource, loanId: string) {
  const [l] = await ds.query(
    `SELECT status, outstanding_principal_fen::text, days_overdue, arrears_bucket, non_performing, aged_as_of, closed_on
       FROM loans WHERE id = $1`,
    [loanId],
  );
  return l as {
    status: string;
    outstanding_principal_fen: string;
    days_overdue: number;
    arrears_bucket: string;
    non_performing: boolean;
    aged_as_of: string | null;
    closed_on: string | null;
  };
}

export async function balance(h: RepaymentHarness, code: string): Promise<bigint> {
  return h.ledger.balanceOf(null, code);
}
