import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Area scopes for staff. A FUND_ADMIN, LOAN_OFFICER or AUDITOR works for the whole city or for one district, town or
 * village; ADMIN and BANK_OFFICER are not area-bound (a bank officer is bound to a bank instead). Changing a user's
 * area bumps the token version like a role change, so a token never outlives the area it was issued for.
 *
 * `area_of(kind, id)` says where a business object lives (district, town, village; NULL where it lives above that
 * level, e.g. a district's risk fund has no town). The API's scope guard and the audit log's filter both ask it, so
 * the rule "which village does a repayment belong to" is written once.
 */
export class UserAreaScopes1764570000000 implements MigrationInterface {
  name = 'UserAreaScopes1764570000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN area_kind text NOT NULL DEFAULT 'CITY' CHECK (area_kind IN ('CITY','DISTRICT','TOWN','VILLAGE')),
        ADD COLUMN area_id   bigint,
        ADD CONSTRAINT users_area_id_iff_bounded CHECK ((area_kind = 'CITY') = (area_id IS NULL)),
        ADD CONSTRAINT users_area_only_for_staff CHECK (area_kind = 'CITY' OR role IN ('FUND_ADMIN','LOAN_OFFICER','AUDITOR'));

      CREATE OR REPLACE FUNCTION users_bump_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
           OR NEW.role IS DISTINCT FROM OLD.role
           OR NEW.bank_id IS DISTINCT FROM OLD.bank_id
           OR NEW.active IS DISTINCT FROM OLD.active
           OR NEW.area_kind IS DISTINCT FROM OLD.area_kind
           OR NEW.area_id IS DISTINCT FROM OLD.area_id THEN
          NEW.token_version := GREATEST(NEW.token_version, OLD.token_version + 1);
        END IF;
        RETURN NEW;
      END $$;

      -- (parameters by position in the body: several tables have a column named kind)
      CREATE FUNCTION area_of(kind text, ref bigint)
        RETURNS TABLE (district_id bigint, town_id bigint, village_id bigint)
        LANGUAGE sql STABLE AS $$
        WITH v AS (SELECT id, town_id, district_id FROM villages)
        SELECT x.district_id, x.town_id, x.village_id FROM (
          SELECT d.id AS district_id, NULL::bigint AS town_id, NULL::bigint AS village_id
            FROM districts d WHERE $1 = 'district' AND d.id = $2
          UNION ALL SELECT t.district_id, t.id, NULL FROM towns t WHERE $1 = 'town' AND t.id = $2
          UNION ALL SELECT v.district_id, v.town_id, v.id FROM v WHERE $1 = 'village' AND v.id = $2
          UNION ALL SELECT v.district_id, v.town_id, v.id FROM households h JOIN v ON v.id = h.village_id
            WHERE $1 = 'household' AND h.id = $2
          UNION ALL SELECT v.district_id, v.town_id, v.id FROM liability_groups g JOIN v ON v.id = g.village_id
            WHERE $1 = 'group' AND g.id = $2
          UNION ALL SELECT e.district_id, v.town_id, v.id FROM operating_entities e LEFT JOIN v ON v.id = e.village_id
            WHERE $1 = 'entity' AND e.id = $2
          UNION ALL SELECT v.district_id, v.town_id, v.id FROM mutual_aid_funds f JOIN v ON v.id = f.village_id
            WHERE $1 = 'fund' AND f.id = $2
          UNION ALL SELECT l.district_id, v.town_id, v.id FROM loans l LEFT JOIN v ON v.id = l.village_id
            WHERE $1 = 'loan' AND l.id = $2
          UNION ALL SELECT l.district_id, v.town_id, v.id FROM repayments r JOIN loans l ON l.id = r.loan_id
            LEFT JOIN v ON v.id = l.village_id WHERE $1 = 'repayment' AND r.id = $2
          UNION ALL SELECT rf.district_id, NULL, NULL FROM risk_funds rf WHERE $1 = 'risk_fund' AND rf.id = $2
          UNION ALL SELECT rf.district_id, NULL, NULL FROM guarantee_agreements a JOIN risk_funds rf ON rf.id = a.risk_fund_id
            WHERE $1 = 'agreement' AND a.id = $2
          UNION ALL SELECT rf.district_id, NULL, NULL FROM compensation_claims c JOIN risk_funds rf ON rf.id = c.risk_fund_id
            WHERE $1 = 'claim' AND c.id = $2
          UNION ALL SELECT p.district_id, v.town_id, v.id FROM aip_projects p JOIN v ON v.id = p.village_id
            WHERE $1 = 'aip_project' AND p.id = $2
          UNION ALL SELECT p.district_id, NULL, NULL FROM subsidy_programmes p WHERE $1 = 'subsidy_programme' AND p.id = $2
          UNION ALL SELECT p.district_id, fv.town_id, fv.id FROM subsidy_claims c
            JOIN subsidy_programmes p ON p.id = c.programme_id
            LEFT JOIN mutual_aid_funds f ON f.id = c.fund_id LEFT JOIN v fv ON fv.id = f.village_id
            WHERE $1 = 'subsidy_claim' AND c.id = $2
          UNION ALL SELECT pl.district_id, NULL, NULL FROM poverty_lines pl WHERE $1 = 'poverty_line' AND pl.id = $2
          UNION ALL SELECT l.district_id, v.town_id, v.id FROM reminder_outbox o JOIN loans l ON l.id = o.loan_id
            LEFT JOIN v ON v.id = l.village_id WHERE $1 = 'reminder' AND o.id = $2
          UNION ALL SELECT v.district_id, v.town_id, v.id FROM reminder_endpoints re
            LEFT JOIN mutual_aid_funds f ON f.id = re.fund_id LEFT JOIN v ON v.id = f.village_id
            WHERE $1 = 'reminder_endpoint' AND re.id = $2
        ) x
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION area_of(text, bigint);
      CREATE OR REPLACE FUNCTION users_bump_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
           OR NEW.role IS DISTINCT FROM OLD.role
           OR NEW.bank_id IS DISTINCT FROM OLD.bank_id
           OR NEW.active IS DISTINCT FROM OLD.active THEN
          NEW.token_version := GREATEST(NEW.token_version, OLD.token_version + 1);
        END IF;
        RETURN NEW;
      END $$;
      ALTER TABLE users DROP CONSTRAINT users_area_only_for_staff, DROP CONSTRAINT users_area_id_iff_bounded,
        DROP COLUMN area_id, DROP COLUMN area_kind;
    `);
  }
}
