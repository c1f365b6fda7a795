import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';

/** The reads of the demo repayment seed (src/seed.ts): which demo loans to repay, and which already were. */
@Injectable()
export class RepaymentSeedStore {
  /** Disbursed loans of the fund of the village with that code, oldest first. */
  async disbursedLoansOfVillageFund(
    m: EntityManager,
    villageCode: string,
  ): Promise<{ id: string; loan_no: string; disbursement_date: string }[]> {
    return queryRows(
      m,
      `SELECT l.id::text, l.loan_no, l.disbursement_date FROM loans l
         JOIN mutual_aid_funds f ON f.id = l.fund_id JOIN villages v ON v.id = f.village_id
        WHERE v.code = $1 AND l.status = 'DISBURSED' ORDER BY l.id`,
      [villageCode],
    );
  }

  /** The repayment of a loan recorded under that idempotency key, if any. */
  async repaymentByKey(m: EntityManager, loanId: string, key: string): Promise<{ id: string } | undefined> {
    return queryOne(m, `SELECT id::text FROM repayments WHERE loan_id = $1 AND idempotency_key = $2`, [
      loanId,
      key,
    ]);
  }
}
