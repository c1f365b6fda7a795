import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The district breaker without a scan of the district's covered book. Its outstanding figure is the ledger's
 * (the agreements' EXPOSURE:OUTSTANDING balances, kept by every cover post), plus the covered loans no agreement
 * carries; its non-performing figure sums only the loans that are overdue at all. Two small partial indexes find
 * those loans. `loans_covered_no_agreement` names only columns other indexes already name (channel, status,
 * district_id, agreement_id), so it changes no update's HOT eligibility. `loans_covered_overdue` names
 * days_overdue: an update that changes a loan's days_overdue (the ageing of an overdue loan) is no longer HOT; an
 * update that leaves it as it was (a repayment on a current loan, the common case) still is.
 */
export class CoveredBreakerIndexes1764660000000 implements MigrationInterface {
  name = 'CoveredBreakerIndexes1764660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX loans_covered_no_agreement ON loans (district_id)
       WHERE channel = 'BANK_COVERED' AND status = 'DISBURSED' AND agreement_id IS NULL;
      CREATE INDEX loans_covered_overdue ON loans (district_id)
       WHERE channel = 'BANK_COVERED' AND status = 'DISBURSED' AND days_overdue > 0;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX loans_covered_overdue; DROP INDEX loans_covered_no_agreement;`);
  }
}
