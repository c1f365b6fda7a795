import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** The facts of a loan a cover is checked against. */
export interface LoanCoverFacts {
  id: string;
  channel: string;
  borrower_type: 'HOUSEHOLD' | 'ENTITY';
  bank_id: string | null;
  district_id: string;
  agreement_id: string | null;
}

/**
 * Reads of bank-covered loans (`loans` and `loan_instalments` belong to libs/loans; guarantee reads them here and
 * writes them through the owner) and covered_loan_reports, which guarantee owns.
 */
@Injectable()
export class CoveredLoansStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async coverFacts(m: EntityManager, loanId: string): Promise<LoanCoverFacts | undefined> {
    const [loan] = (await m.query(
      `SELECT id, channel, borrower_type, bank_id, district_id, agreement_id FROM loans WHERE id = $1`,
      [loanId],
    )) as LoanCoverFacts[];
    return loan;
  }
}
