import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The poverty registry (建档立卡): geography, poverty lines, households, operating entities and joint-liability
 * groups. ID numbers and phones are personal data: stored in full, masked on the way out.
 */
export class Registry1764320000000 implements MigrationInterface {
  name = 'Registry1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE districts (
        id          bigserial   PRIMARY KEY,
        code        text        NOT NULL UNIQUE,
        name        text        NOT NULL,
        heavy_task  boolean     NOT NULL DEFAULT false,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE towns (
        id           bigserial   PRIMARY KEY,
        district_id  bigint      NOT NULL REFERENCES districts (id),
        code         text        NOT NULL UNIQUE,
        name         text        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE villages (
        id           bigserial   PRIMARY KEY,
        town_id      bigint      NOT NULL REFERENCES towns (id),
        district_id  bigint      NOT NULL REFERENCES districts (id),
        code         text        NOT NULL UNIQUE,
        name         text        NOT NULL,
        is_pilot     boolean     NOT NULL DEFAULT false,
        created_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX villages_district ON villages (district_id);

      -- district_id NULL: the city-wide line; a district line overrides it for that district and year
      CREATE TABLE poverty_lines (
        id            bigserial   PRIMARY KEY,
        district_id   bigint      REFERENCES districts (id),
        year          int         NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        line_fen      bigint      NOT NULL CHECK (line_fen > 0),
        created_at    timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX poverty_lines_scope_year ON poverty_lines (coalesce(district_id, 0), year);

      CREATE TABLE households (
        id                      bigserial   PRIMARY KEY,
        village_id              bigint      NOT NULL REFERENCES villages (id),
        head_name               text        NOT NULL,
        id_number               char(18)    NOT NULL UNIQUE,
        birth_date              date        NOT NULL,
        phone                   text,
        member_count            int         NOT NULL CHECK (member_count BETWEEN 1 AND 50),
        per_capita_income_fen   bigint      NOT NULL CHECK (per_capita_income_fen >= 0),
        income_year             int         NOT NULL,
        status                  text        NOT NULL CHECK (status IN ('POOR','GRADUATED','NON_POOR')),
        graduated_year          int,
        derived_status          text        NOT NULL CHECK (derived_status IN ('POOR','GRADUATED','NON_POOR')),
        status_override_reason  text,
        created_at              timestamptz NOT NULL DEFAULT now(),
        updated_at              timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'GRADUATED') = (graduated_year IS NOT NULL)),
        CHECK (status = derived_status OR status_override_reason IS NOT NULL)
      );
      CREATE INDEX households_village ON households (village_id);
      CREATE INDEX households_status ON households (status);

      CREATE TABLE operating_entities (
        id                    bigserial   PRIMARY KEY,
        kind                  text        NOT NULL CHECK (kind IN ('ENTERPRISE','COOPERATIVE','FAMILY_FARM')),
        name                  text        NOT NULL,
        credit_code           char(18)    NOT NULL UNIQUE,
        district_id           bigint      NOT NULL REFERENCES districts (id),
        village_id            bigint      REFERENCES villages (id),
        -- the asset-income insurance lock: such an entity may not guarantee debt or borrow under cover
        is_asset_income_project boolean   NOT NULL DEFAULT false,
        created_at            timestamptz NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE entity_linked_households (
        entity_id     bigint      NOT NULL REFERENCES operating_entities (id),
        household_id  bigint      NOT NULL REFERENCES households (id),
        linked_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (entity_id, household_id)
      );

      CREATE TABLE liability_groups (
        id          bigserial   PRIMARY KEY,
        village_id  bigint      NOT NULL REFERENCES villages (id),
        name        text        NOT NULL,
        status      text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','DISSOLVED')),
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE liability_group_members (
        group_id      bigint      NOT NULL REFERENCES liability_groups (id),
        household_id  bigint      NOT NULL UNIQUE REFERENCES households (id),
        joined_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, household_id)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE liability_group_members; DROP TABLE liability_groups; DROP TABLE entity_linked_households;
      DROP TABLE operating_entities; DROP TABLE households; DROP TABLE poverty_lines; DROP TABLE villages;
      DROP TABLE towns; DROP TABLE districts;
    `);
  }
}
