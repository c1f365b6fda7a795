import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';

/**
 * What origination reads beside the loan row (libs/loans) and the other libraries' services: a household's loan
 * history and open group-liability calls for eligibility, whether a group exists, and the demo seed's lookups.
 * Origination owns no table: it writes through libs/loans.
 */
@Injectable()
export class OriginationStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The household's other mutual-aid loans: how many are in `activeStatuses`, how many were ever disbursed. */
  async householdHistory(
    m: EntityManager,
    householdId: string,
    exceptLoanId: string,
    activeStatuses: readonly string[],
  ): Promise<{ active: number; disbursed: number }> {
    const [row] = await queryRows<{ active: number; disbursed: number }>(
      m,
      `SELECT (count(*) FILTER (WHERE status = ANY($3::text[])))::int AS active,
              (count(*) FILTER (WHERE disbursement_date IS NOT NULL))::int AS disbursed
         FROM loans WHERE household_id = $1 AND channel = 'MUTUAL_AID' AND id <> $2`,
      [householdId, exceptLoanId, activeStatuses],
    );
    return row;
  }

  /** Open group-liability calls that name the household a co-obligor. */
  async openCallsAsCoObligor(m: EntityManager, householdId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      m,
      `SELECT count(*)::int AS n FROM group_liability_call_members cm
         JOIN group_liability_calls c ON c.id = cm.call_id
        WHERE cm.household_id = $1 AND c.status = 'OPEN'`,
      [householdId],
    );
    return row.n;
  }

  /** Of these households, how many have a running loan with an overdue instalment or days overdue. */
  async householdsOverdue(m: EntityManager, householdIds: readonly string[]): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      m,
      `SELECT count(DISTINCT l.household_id)::int AS n FROM loans l
        WHERE l.household_id = ANY($1::bigint[]) AND l.status = 'DISBURSED'
          AND (l.days_overdue > 0
               OR EXISTS (SELECT 1 FROM loan_installments i WHERE i.loan_id = l.id AND i.status = 'OVERDUE'))`,
      [householdIds],
    );
    return row.n;
  }

  async groupExists(m: EntityManager, groupId: string): Promise<boolean> {
    return !!(await queryOne<{ id: string }>(m, `SELECT id::text FROM liability_groups WHERE id = $1`, [
      groupId,
    ]));
  }

  // -- the demo seed's lookups ------------------------------------------------------------------------------------

  async fundOfVillageCode(code: string): Promise<string | undefined> {
    const row = await queryOne<{ id: string }>(
      this.dataSource.manager,
      `SELECT f.id::text FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id WHERE v.code = $1`,
      [code],
    );
    return row?.id;
  }

  async activeGroupNamed(name: string): Promise<string | undefined> {
    const row = await queryOne<{ id: string }>(
      this.dataSource.manager,
      `SELECT id::text FROM liability_groups WHERE name = $1 AND status = 'ACTIVE'`,
      [name],
    );
    return row?.id;
  }

  async productExists(code: string): Promise<boolean> {
    return !!(await queryOne<{ id: string }>(
      this.dataSource.manager,
      `SELECT id::text FROM products WHERE code = $1`,
      [code],
    ));
  }

  async groupMembers(groupId: string): Promise<string[]> {
    const rows = await queryRows<{ household_id: string }>(
      this.dataSource.manager,
      `SELECT household_id::text FROM liability_group_members WHERE group_id = $1 ORDER BY household_id`,
      [groupId],
    );
    return rows.map((r) => r.household_id);
  }

  /** The household's latest mutual-aid loan that was neither rejected nor cancelled. */
  async latestLiveMutualAidLoan(householdId: string): Promise<string | undefined> {
    const row = await queryOne<{ id: string }>(
      this.dataSource.manager,
      `SELECT id::text FROM loans WHERE household_id = $1 AND channel = 'MUTUAL_AID' AND status NOT IN ('REJECTED','CANCELLED')
        ORDER BY id DESC LIMIT 1`,
      [householdId],
    );
    return row?.id;
  }
}
