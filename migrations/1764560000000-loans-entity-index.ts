import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An operating entity's credit line counts every active covered loan of the entity (registration reads them under
 * the entity's row lock), as a household's counts its own through loans_household: an index on the entity column.
 */
export class LoansEntityIndex1764560000000 implements MigrationInterface {
  name = 'LoansEntityIndex1764560000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX loans_entity ON loans (entity_id) WHERE entity_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX loans_entity`);
  }
}
