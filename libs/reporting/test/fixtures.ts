import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { fundAccounts, fundAccountSpecs } from '#libs/funds';
import { agreementAccounts, agreementAccountSpecs, riskFundAccountSpecs, riskFundCoverAccounts, riskFundMoneyAccounts } from '#libs/guarantee';
import { LedgerService, type JournalEntryCode } from '#libs/ledger';
import { formatYuan, yuan } from '#libs/money';
import { productVersion } from '../../../test/guarantee/fixtures.js';

/**
 * A small portfolio built with plain SQL rows and REAL ledger entries (through LedgerService, with business dates),
 * so every balance the report reads is a ledger fact. Codes are unique per call, so several portfolios can live in
 * one database.
 */
const uniq = () => randomBytes(4).toString('hex');
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');
let seq = 0;
const k = (p: string) => `${p}:${uniq()}:${++seq}`;

export class Portfolio {
  constructor(
    readonly ds: DataSource,
    readonly ledger: LedgerService,
  ) {}

  private tx<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  async post(date: string, code: JournalEntryCode, lines: [string, 'DEBIT' | 'CREDIT', string][]): Promise<string> {
    const r = await this.tx((m) =>
      this.ledger.post(m, {
        idempotencyKey: k(code),
        code,
        valueDate: date,
        lines: lines.map(([account, side, amount]) => ({ account, side, amountFen: yuan(amount) })),
      }),
    );
    return r.entryId;
  }

  async district(name: string, heavyTask: boolean): Promise<{ id: string; code: string; villageId: string }> {
    const u = uniq();
    const code = `${name}${u}`;
    const [d] = await this.ds.query(`INSERT INTO districts (code, name, heavy_task) VALUES ($1, $2, $3) RETURNING id::text`, [code, `${name} district`, heavyTask]);
    const [t] = await this.ds.query(`INSERT INTO towns (district_id, code, name) VALUES ($1, $2, 'town') RETURNING id`, [d.id, `T${u}`]);
    const [v] = await this.ds.query(`INSERT INTO villages (town_id, district_id, code, name) VALUES ($1, $2, $3, $4) RETURNING id::text`, [t.id, d.id, `V${u}`, `${name} village`]);
    return { id: d.id, code, villageId: v.id };
  }

  async household(villageId: string, status: 'POOR' | 'NON_POOR' | 'GRADUATED', graduatedYear?: number): Promise<string> {
    const [h] = await this.ds.query(
      `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, graduated_year, derived_status)
       VALUES ($1, 'head', $2, '1980-01-01', 3, 250000, 2025, $3, $4, $3) RETURNING id::text`,
      [villageId, `370302${digits(11)}X`, status, graduatedYear ?? null],
    );
    return h.id;
  }

  async bank(): Promise<string> {
    const c = `B${uniq().toUpperCase()}`;
    const [b] = await this.ds.query(`INSERT INTO banks (code, name) VALUES ($1, $2) RETURNING id::text`, [c, `Bank ${c}`]);
    return b.id;
  }

  /** A risk fund with its accounts opened (both ledgers) and a CITY deposit posted on `date`. */
  async riskFund(districtId: string, deposit: string, date: string): Promise<string> {
    const [rf] = await this.ds.query(`INSERT INTO risk_funds (district_id, name, created_by) VALUES ($1, 'risk fund', 'test') RETURNING id::text`, [districtId]);
    await this.tx(async (m) => {
      for (const s of riskFundAccountSpecs(rf.id, 'rf')) await this.ledger.openAccount(m, s);
    });
    await this.money(rf.id, date, deposit, 'in', 'RISK_FUND_DEPOSIT');
    return rf.id;
  }

  /** Money into (deposit, recovery) or out of (compensation) a risk fund, with the cover limit following it. */
  async money(fundId: string, date: string, amount: string, dir: 'in' | 'out', code: JournalEntryCode, against?: string): Promise<string> {
    const a = riskFundMoneyAccounts(fundId);
    const c = riskFundCoverAccounts(fundId);
    const other = against ?? a.capital.CITY;
    return this.post(date, code, dir === 'in'
      ? [[a.balance, 'DEBIT', amount], [other, 'CREDIT', amount], [c.available, 'DEBIT', amount], [c.limit, 'CREDIT', amount]]
      : [[other, 'DEBIT', amount], [a.balance, 'CREDIT', amount], [c.limit, 'DEBIT', amount], [c.available, 'CREDIT', amount]]);
  }

  /**
   * A compensation claim the fund paid on `date` (the fund's share `amount`, all of the claim's basis here), with its
   * money entry, as the guarantee library records one: the report attributes it to the claim's bank.
   */
  async paidClaim(input: { fundId: string; agreementId: string; bankId: string; loanId: string; date: string; amount: string }): Promise<string> {
    const entryId = await this.money(input.fundId, input.date, input.amount, 'out', 'RISK_FUND_COMPENSATION', riskFundMoneyAccounts(input.fundId).compensationExpense);
    const fen = yuan(input.amount).toString();
    const [c] = await this.ds.query(
      `INSERT INTO compensation_claims (claim_no, loan_id, agreement_id, risk_fund_id, bank_id, mode, days_overdue, principal_fen, interest_fen,
                                        fund_share_percent, bank_share_percent, fund_amount_fen, bank_amount_fen, status, filed_on, filed_by,
                                        decided_by, decided_at, paid_on, entry_id)
       VALUES ($1, $2, $3, $4, $5, 'ADVANCE', 91, $6, 0, 100, 0, $6, 0, 'PAID', $7, 'bank', 'fund', now(), $7, $8) RETURNING id::text`,
      [`CC-${uniq()}`, input.loanId, input.agreementId, input.fundId, input.bankId, fen, input.date, entryId],
    );
    return c.id;
  }

  /** A recovery on a paid claim, all of it the fund's part, with its money entry. */
  async recovery(fundId: string, claimId: string, date: string, amount: string): Promise<void> {
    const entryId = await this.money(fundId, date, amount, 'in', 'RISK_FUND_RECOVERY', riskFundMoneyAccounts(fundId).recoveryIncome);
    const fen = yuan(amount).toString();
    await this.ds.query(
      `INSERT INTO compensation_recoveries (claim_id, amount_fen, fund_part_fen, bank_part_fen, recovered_on, entry_id, idempotency_key, created_by)
       VALUES ($1, $2, $2, 0, $3, $4, $5, 'test')`,
      [claimId, fen, date, entryId, `rec-${uniq()}`],
    );
    await this.ds.query(
      `UPDATE compensation_claims SET recovered_fen = recovered_fen + $2, fund_recovered_fen = fund_recovered_fen + $2 WHERE id = $1`,
      [claimId, fen],
    );
  }

  async agreement(fundId: string, bankId: string, multiple: string): Promise<string> {
    const [ga] = await this.ds.query(
      `INSERT INTO guarantee_agreements (agreement_no, risk_fund_id, bank_id, leverage_multiple, valid_from, created_by)
       VALUES ($1, $2, $3, $4, '2025-01-01', 'test') RETURNING id::text`,
      [`GA-${uniq()}`, fundId, bankId, multiple],
    );
    await this.tx(async (m) => {
      for (const s of agreementAccountSpecs(ga.id, 'ga')) await this.ledger.openAccount(m, s);
    });
    return ga.id;
  }

  /** Covered principal on (consume) or off (release) an agreement's exposure, with the fund money backing it (⌈L / m⌉ given). */
  async exposure(fundId: string, agreementId: string, date: string, principal: string, cover: string, dir: 'on' | 'off'): Promise<string> {
    const g = agreementAccounts(agreementId);
    const c = riskFundCoverAccounts(fundId);
    const on: [string, 'DEBIT' | 'CREDIT', string][] = [
      [g.exposureOutstanding, 'DEBIT', principal], [g.exposureContra, 'CREDIT', principal],
      [g.coverUsed, 'DEBIT', cover], [c.available, 'CREDIT', cover],
    ];
    return this.post(date, dir === 'on' ? 'COVER_CONSUMED' : 'COVER_RELEASED', dir === 'on' ? on : on.map(([a, s, x]) => [a, s === 'DEBIT' ? 'CREDIT' : 'DEBIT', x]));
  }

  /**
   * A bank's report that an instalment of a covered loan was repaid in full on `asOf`, as the guarantee library
   * records one: the instalment's paid amounts and date, the exposure released (cover ⌈principal / m⌉ given) and the
   * append-only report row pointing at that entry. Returns the report's id and the entry's.
   */
  async bankRepayment(input: { fundId: string; agreementId: string; bankId: string; loanId: string; number: number; asOf: string; principal: string; interest: string; cover: string }): Promise<{ reportId: string; entryId: string }> {
    const entryId = await this.exposure(input.fundId, input.agreementId, input.asOf, input.principal, input.cover, 'off');
    await this.ds.query(
      `UPDATE loan_installments SET paid_principal_fen = principal_fen, paid_interest_fen = interest_fen, status = 'PAID', paid_on = $3, interest_paid_on = $3
        WHERE loan_id = $1 AND number = $2`,
      [input.loanId, input.number, input.asOf],
    );
    const [r] = await this.ds.query(
      `INSERT INTO covered_loan_reports (loan_id, bank_id, kind, as_of, principal_fen, interest_fen, cover_entry_id, idempotency_key, created_by)
       VALUES ($1, $2, 'REPAYMENT', $3, $4, $5, $6, $7, 'bank') RETURNING id::text`,
      [input.loanId, input.bankId, input.asOf, yuan(input.principal).toString(), yuan(input.interest).toString(), entryId, k('bank-report')],
    );
    return { reportId: r.id, entryId };
  }

  async loan(input: {
    channel: 'BANK_COVERED' | 'MUTUAL_AID';
    districtId: string;
    villageId: string;
    householdId: string;
    bankId?: string;
    agreementId?: string;
    fundId?: string;
    principal: string;
    disbursed: string;
    installments: { due: string; principal: string; interest: string; paidOn?: string }[];
  }): Promise<string> {
    const pv = await productVersion(this.ds);
    const [l] = await this.ds.query(
      `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, fund_id, bank_id, agreement_id,
                          bank_loan_ref, principal_fen, term_months, purpose, method, frequency, day_count, rounding, status,
                          outstanding_principal_fen, disbursement_date, created_by)
       VALUES ($1, $2, $3, 'HOUSEHOLD', $4, $5, $6, $7, $8, $9, $10, $11, 12, 'livestock', 'EQUAL_INSTALLMENT', 'MONTHLY', 'PERIOD', 'HALF_UP',
               'DISBURSED', $11, $12, 'test') RETURNING id::text`,
      [
        `L-${uniq()}-${++seq}`, input.channel, pv, input.householdId, input.districtId, input.villageId, input.fundId ?? null, input.bankId ?? null,
        input.agreementId ?? null, input.channel === 'BANK_COVERED' ? `R${uniq()}` : null, yuan(input.principal).toString(), input.disbursed,
      ],
    );
    let n = 0;
    for (const i of input.installments) {
      n += 1;
      const paid = i.paidOn !== undefined;
      await this.ds.query(
        `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen, paid_principal_fen, paid_interest_fen, status, paid_on, interest_paid_on)
         VALUES ($1, $2, $3, $4, 30, $5, $6, $7, $8, $9, $10, $10)`,
        [l.id, n, i.due, input.disbursed, yuan(i.principal).toString(), yuan(i.interest).toString(), paid ? yuan(i.principal).toString() : '0',
          paid ? yuan(i.interest).toString() : '0', paid ? 'PAID' : 'OPEN', i.paidOn ?? null],
      );
    }
    return l.id;
  }

  /** A village mutual-aid fund with its accounts and capital by source. */
  async mutualAidFund(villageId: string, capital: { source: 'CITY' | 'MEMBER'; amount: string; date: string }[]): Promise<string> {
    const [f] = await this.ds.query(`INSERT INTO mutual_aid_funds (village_id, name) VALUES ($1, $2) RETURNING id::text`, [villageId, `Fund ${uniq()}`]);
    await this.tx(async (m) => {
      for (const s of fundAccountSpecs(f.id, 'maf')) await this.ledger.openAccount(m, { ...s, ledger: 'MONEY' });
    });
    const a = fundAccounts(f.id);
    for (const c of capital) await this.post(c.date, 'FUND_CONTRIBUTION', [[a.cash, 'DEBIT', c.amount], [a.capital[c.source], 'CREDIT', c.amount]]);
    return f.id;
  }

  async disburseMutualAid(fundId: string, date: string, amount: string): Promise<void> {
    const a = fundAccounts(fundId);
    await this.post(date, 'LOAN_DISBURSEMENT', [[a.loans, 'DEBIT', amount], [a.cash, 'CREDIT', amount]]);
  }

  /** A mutual-aid repayment as the repayment library records it: ledger entry, repayment row and its allocations. */
  async repay(fundId: string, loanId: string, date: string, parts: { number: number; principal: string; interest: string }[]): Promise<{ repaymentId: string; entryId: string }> {
    const a = fundAccounts(fundId);
    const p = parts.reduce((s, x) => s + yuan(x.principal), 0n);
    const i = parts.reduce((s, x) => s + yuan(x.interest), 0n);
    const y = formatYuan;
    const entryId = await this.post(date, 'LOAN_REPAYMENT', [[a.cash, 'DEBIT', y(p + i)], [a.loans, 'CREDIT', y(p)], [a.feeIncome, 'CREDIT', y(i)]]);
    const [r] = await this.ds.query(
      `INSERT INTO repayments (loan_id, fund_id, kind, amount_fen, value_date, channel, principal_fen, interest_fen, entry_id, idempotency_key, created_by)
       VALUES ($1, $2, 'REPAYMENT', $3, $4, 'CASH', $5, $6, $7, $8, 'test') RETURNING id::text`,
      [loanId, fundId, (p + i).toString(), date, p.toString(), i.toString(), entryId, k('repay')],
    );
    for (const x of parts) {
      for (const [component, amount] of [['PRINCIPAL', x.principal], ['INTEREST', x.interest]] as const) {
        if (yuan(amount) > 0n)
          await this.ds.query(`INSERT INTO repayment_allocations (repayment_id, loan_id, installment_number, component, amount_fen) VALUES ($1, $2, $3, $4, $5)`, [
            r.id, loanId, x.number, component, yuan(amount).toString(),
          ]);
      }
    }
    return { repaymentId: r.id, entryId };
  }

  /** Reverses a repayment on `date`: reversing ledger entry, the repayment marked REVERSED, negative allocation rows. */
  async reverseRepayment(loanId: string, repaymentId: string, entryId: string, date: string): Promise<void> {
    const { entryId: revId } = await this.tx((m) => this.ledger.reverse(m, entryId, { idempotencyKey: k('rev'), valueDate: date, memo: 'bounced' }));
    const [adj] = await this.ds.query(
      `INSERT INTO repayment_adjustments (loan_id, cause, cause_repayment_id, entry_id, business_date, created_by)
       VALUES ($1, 'REVERSAL', $2, $3, $4, 'test') RETURNING id::text`,
      [loanId, repaymentId, revId, date],
    );
    await this.ds.query(
      `INSERT INTO repayment_allocations (repayment_id, loan_id, installment_number, component, amount_fen, adjustment_id)
       SELECT repayment_id, loan_id, installment_number, component, -amount_fen, $2 FROM repayment_allocations WHERE repayment_id = $1 AND adjustment_id IS NULL`,
      [repaymentId, adj.id],
    );
    await this.ds.query(
      `UPDATE repayments SET status = 'REVERSED', reversed_on = $2, reversed_by = 'test', reversal_reason = 'bounced', reversal_entry_id = $3 WHERE id = $1`,
      [repaymentId, date, revId],
    );
  }
}
