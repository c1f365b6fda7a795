import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A poor household linked to several operating entities counts toward one entity's credit line at a time (50,000 ×
 * linked poor households), never toward each of them. Which link counts is the household's district's rule, set by an
 * administrator (`PATCH /api/v1/districts/{id}` `{entityLinkCounting}`): EARLIEST_LINK (the default: the first
 * entity that linked it keeps it until that link ends) or LATEST_LINK (the entity that linked it last). Links are
 * rows of entity_linked_households while active (unlinking deletes the row), so when the counted link ends the next
 * one by the rule counts. Every district, existing ones included, takes EARLIEST_LINK.
 */
export class EntityLinkCounting1764510000001 implements MigrationInterface {
  name = 'EntityLinkCounting1764510000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE districts
        ADD COLUMN entity_link_counting text NOT NULL DEFAULT 'EARLIEST_LINK'
          CHECK (entity_link_counting IN ('EARLIEST_LINK','LATEST_LINK'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE districts DROP COLUMN entity_link_counting;`);
  }
}
