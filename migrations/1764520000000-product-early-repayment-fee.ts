import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The usage fee (interest) charged when an instalment is paid before its due date, a rule of the product version:
 * ACCRUED (the fee accrued to the value date; what is paid early stops bearing the fee for the rest of the period,
 * exactly as a payoff on that day charges only what accrued) or PERIOD (the scheduled period fee is due whenever the
 * instalment is paid, and a payoff charges the current period's full fee too). ACCRUED for every existing version:
 * it is what a payoff already charged, so both paths agree.
 */
export class ProductEarlyRepaymentFee1764520000000 implements MigrationInterface {
  name = 'ProductEarlyRepaymentFee1764520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE product_versions
        ADD COLUMN early_repayment_fee text NOT NULL DEFAULT 'ACCRUED' CHECK (early_repayment_fee IN ('ACCRUED','PERIOD'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE product_versions DROP COLUMN early_repayment_fee;`);
  }
}
