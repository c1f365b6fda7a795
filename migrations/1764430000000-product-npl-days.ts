import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The non-performing line of a mutual-aid loan is its product's, as a covered loan's is its guarantee fund's
 * (`risk_funds.npl_overdue_days`): a loan more than `npl_overdue_days` overdue is non-performing. 90 days, the line
 * every loan was aged by until now, for every version.
 */
export class ProductNplDays1764430000000 implements MigrationInterface {
  name = 'ProductNplDays1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE product_versions
        ADD COLUMN npl_overdue_days int NOT NULL DEFAULT 90 CHECK (npl_overdue_days BETWEEN 1 AND 3650);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE product_versions DROP COLUMN npl_overdue_days;`);
  }
}
