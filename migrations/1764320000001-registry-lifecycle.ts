import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registry lifecycle details the first registry migration left out: a dissolved joint-liability group keeps
 * when and why it was dissolved (its members are released, since a household may belong to one group only);
 * poverty lines carry a note on where the figure comes from; indexes for the registry's list filters.
 */
export class RegistryLifecycle1764320000001 implements MigrationInterface {
  name = 'RegistryLifecycle1764320000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE liability_groups
        ADD COLUMN dissolved_at        timestamptz,
        ADD COLUMN dissolution_reason  text,
        ADD COLUMN updated_at          timestamptz NOT NULL DEFAULT now(),
        ADD CONSTRAINT liability_groups_dissolution CHECK (
          (status = 'DISSOLVED') = (dissolved_at IS NOT NULL AND dissolution_reason IS NOT NULL));
      CREATE INDEX liability_groups_village ON liability_groups (village_id);

      ALTER TABLE poverty_lines
        ADD COLUMN note        text,
        ADD COLUMN updated_at  timestamptz NOT NULL DEFAULT now();

      ALTER TABLE districts ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
      ALTER TABLE towns ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
      ALTER TABLE villages ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
      CREATE INDEX towns_district ON towns (district_id);
      CREATE INDEX villages_town ON villages (town_id);

      CREATE INDEX operating_entities_district ON operating_entities (district_id);
      CREATE INDEX entity_linked_households_household ON entity_linked_households (household_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX entity_linked_households_household; DROP INDEX operating_entities_district;
      DROP INDEX villages_town; DROP INDEX towns_district;
      ALTER TABLE villages DROP COLUMN updated_at; ALTER TABLE towns DROP COLUMN updated_at;
      ALTER TABLE districts DROP COLUMN updated_at;
      ALTER TABLE poverty_lines DROP COLUMN updated_at, DROP COLUMN note;
      DROP INDEX liability_groups_village;
      ALTER TABLE liability_groups DROP CONSTRAINT liability_groups_dissolution,
        DROP COLUMN updated_at, DROP COLUMN dissolution_reason, DROP COLUMN dissolved_at;
    `);
  }
}
