import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The asset-income scheme (资产收益扶贫): a special poverty fund injected into a village enterprise, quantified into
 * shares of the village collective and its poor households (the share register keeps history), the entity's
 * yearly results, dividend runs with the guaranteed floor, alerts, and the forced liquidation that repays the
 * special fund first. Money is in the ledger (`AIP:{projectId}:…`); these tables hold the business facts.
 */
export class AssetIncome1764400000000 implements MigrationInterface {
  name = 'AssetIncome1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE aip_projects (
        id                         bigserial    PRIMARY KEY,
        name                       text         NOT NULL,
        village_id                 bigint       NOT NULL REFERENCES villages (id),
        district_id                bigint       NOT NULL REFERENCES districts (id),
        entity_id                  bigint       NOT NULL UNIQUE REFERENCES operating_entities (id),
        business_type              text         NOT NULL CHECK (business_type IN ('RURAL_TOURISM','SPECIALTY_PLANTING',
                                     'FRUIT_TREE_ADOPTION','LOGISTICS','PROCESSING','OTHER')),
        special_fund_fen           bigint       NOT NULL CHECK (special_fund_fen > 0),
        collective_percent         numeric(9,6) NOT NULL CHECK (collective_percent >= 0 AND collective_percent <= 100),
        household_weighting        text         NOT NULL CHECK (household_weighting IN ('EQUAL','MEMBER_COUNT')),
        -- what happens to a household's right when it stops being poor
        right_rule                 text         NOT NULL CHECK (right_rule IN ('KEEP','TRANSFER','RETURN_TO_COLLECTIVE')),
        floor_rate_percent         numeric(9,6) NOT NULL CHECK (floor_rate_percent >= 0 AND floor_rate_percent <= 100),
        payout_percent             numeric(9,6) NOT NULL CHECK (payout_percent > 0 AND payout_percent <= 100),
        liquidation_threshold_fen  bigint       NOT NULL CHECK (liquidation_threshold_fen >= 0),
        alert_margin_fen           bigint       NOT NULL CHECK (alert_margin_fen >= 0),
        status                     text         NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT','INJECTED','ACTIVE',
                                     'LIQUIDATION_REQUIRED','LIQUIDATED')),
        injected_on                date,
        injection_entry_id         bigint       REFERENCES journal_entries (id),
        quantified_on              date,
        quantification_entry_id    bigint       REFERENCES journal_entries (id),
        liquidation_flagged_year   int,
        liquidation_flagged_at     timestamptz,
        liquidated_on              date,
        created_by                 text         NOT NULL,
        created_at                 timestamptz  NOT NULL DEFAULT now(),
        updated_at                 timestamptz  NOT NULL DEFAULT now(),
        CHECK ((status = 'DRAFT') = (injection_entry_id IS NULL)),
        CHECK (status IN ('DRAFT','INJECTED') OR quantified_on IS NOT NULL),
        CHECK ((status IN ('LIQUIDATION_REQUIRED','LIQUIDATED')) = (liquidation_flagged_year IS NOT NULL))
      );
      -- one live project per pilot village (the case injects one special fund per village)
      CREATE UNIQUE INDEX aip_projects_live_village ON aip_projects (village_id) WHERE status <> 'LIQUIDATED';
      CREATE INDEX aip_projects_district ON aip_projects (district_id, status);

      -- capital other than the special fund, each its own share class
      CREATE TABLE aip_capital_classes (
        project_id   bigint  NOT NULL REFERENCES aip_projects (id),
        kind         text    NOT NULL CHECK (kind IN ('COLLECTIVE_ASSETS','FARMER_ASSETS','PRIVATE_CAPITAL')),
        capital_fen  bigint  NOT NULL CHECK (capital_fen > 0),
        description  text,
        PRIMARY KEY (project_id, kind)
      );

      -- the share register of the quantified special fund: a row per right and period, never edited except to
      -- close it (valid_to, exclusive) when the right moves; the successor row names its predecessor
      CREATE TABLE aip_share_rights (
        id              bigserial   PRIMARY KEY,
        project_id      bigint      NOT NULL REFERENCES aip_projects (id),
        holder_type     text        NOT NULL CHECK (holder_type IN ('COLLECTIVE','HOUSEHOLD')),
        household_id    bigint      REFERENCES households (id),
        amount_fen      bigint      NOT NULL CHECK (amount_fen >= 0),
        weight          int         NOT NULL CHECK (weight >= 0),
        valid_from      date        NOT NULL,
        valid_to        date,
        origin          text        NOT NULL CHECK (origin IN ('QUANTIFICATION','TRANSFER','RETURN_TO_COLLECTIVE')),
        predecessor_id  bigint      UNIQUE REFERENCES aip_share_rights (id),
        reason          text,
        created_by      text        NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CHECK ((holder_type = 'HOUSEHOLD') = (household_id IS NOT NULL)),
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        CHECK ((origin = 'QUANTIFICATION') = (predecessor_id IS NULL))
      );
      CREATE UNIQUE INDEX aip_share_rights_current_household ON aip_share_rights (project_id, household_id)
        WHERE valid_to IS NULL AND household_id IS NOT NULL;
      CREATE INDEX aip_share_rights_project ON aip_share_rights (project_id, valid_from);
      CREATE INDEX aip_share_rights_household ON aip_share_rights (household_id);

      CREATE TABLE aip_annual_results (
        id               bigserial   PRIMARY KEY,
        project_id       bigint      NOT NULL REFERENCES aip_projects (id),
        year             int         NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        revenue_fen      bigint      NOT NULL CHECK (revenue_fen >= 0),
        net_profit_fen   bigint      NOT NULL,
        net_assets_fen   bigint      NOT NULL,
        reported_on      date        NOT NULL,
        version          int         NOT NULL DEFAULT 1,
        source           text        NOT NULL CHECK (source IN ('MANUAL','CSV')),
        entered_by       text        NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        UNIQUE (project_id, year)
      );

      CREATE TABLE aip_alerts (
        id              bigserial   PRIMARY KEY,
        project_id      bigint      NOT NULL REFERENCES aip_projects (id),
        year            int         NOT NULL,
        kind            text        NOT NULL CHECK (kind IN ('NEAR_THRESHOLD','LIQUIDATION_REQUIRED')),
        net_assets_fen  bigint      NOT NULL,
        threshold_fen   bigint      NOT NULL,
        margin_fen      bigint      NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        UNIQUE (project_id, year, kind)
      );

      CREATE TABLE aip_distribution_runs (
        id                      bigserial    PRIMARY KEY,
        project_id              bigint       NOT NULL REFERENCES aip_projects (id),
        year                    int          NOT NULL,
        status                  text         NOT NULL CHECK (status IN ('PREPARED','APPROVED','PAID','CANCELLED')),
        record_date             date         NOT NULL,
        result_version          int          NOT NULL,
        net_profit_fen          bigint       NOT NULL,
        distributable_fen       bigint       NOT NULL CHECK (distributable_fen >= 0),
        floor_rate_percent      numeric(9,6) NOT NULL,
        payout_percent          numeric(9,6) NOT NULL,
        special_pro_rata_fen    bigint       NOT NULL CHECK (special_pro_rata_fen >= 0),
        floor_shortfall_fen     bigint       NOT NULL CHECK (floor_shortfall_fen >= 0),
        borne_by_others_fen     bigint       NOT NULL CHECK (borne_by_others_fen >= 0),
        top_up_available_fen    bigint       NOT NULL CHECK (top_up_available_fen >= 0),
        operator_top_up_fen     bigint       NOT NULL CHECK (operator_top_up_fen >= 0),
        operator_owes_fen       bigint       NOT NULL CHECK (operator_owes_fen >= 0),
        entitled_fen            bigint       NOT NULL CHECK (entitled_fen >= 0),
        paid_now_fen            bigint       NOT NULL CHECK (paid_now_fen >= 0),
        households_benefited    int          NOT NULL,
        people_benefited        int          NOT NULL,
        prepared_by             text         NOT NULL,
        prepared_at             timestamptz  NOT NULL DEFAULT now(),
        approved_by             text,
        approved_at             timestamptz,
        paid_by                 text,
        paid_at                 timestamptz,
        paid_on                 date,
        entry_id                bigint       REFERENCES journal_entries (id),
        CHECK (approved_by IS NULL OR approved_by <> prepared_by),
        CHECK (entitled_fen = paid_now_fen + operator_owes_fen),
        CHECK (status <> 'PAID' OR paid_on IS NOT NULL)
      );
      -- idempotent per project and year: one run, whatever its state
      CREATE UNIQUE INDEX aip_distribution_runs_project_year ON aip_distribution_runs (project_id, year)
        WHERE status <> 'CANCELLED';

      CREATE TABLE aip_distribution_lines (
        id             bigserial  PRIMARY KEY,
        run_id         bigint     NOT NULL REFERENCES aip_distribution_runs (id),
        holder_type    text       NOT NULL CHECK (holder_type IN ('COLLECTIVE','HOUSEHOLD','CLASS')),
        class_kind     text       NOT NULL CHECK (class_kind IN ('SPECIAL_COLLECTIVE','SPECIAL_HOUSEHOLDS',
                                    'COLLECTIVE_ASSETS','FARMER_ASSETS','PRIVATE_CAPITAL')),
        household_id   bigint     REFERENCES households (id),
        right_id       bigint     REFERENCES aip_share_rights (id),
        basis_fen      bigint     NOT NULL CHECK (basis_fen >= 0),
        member_count   int,
        pro_rata_fen   bigint     NOT NULL CHECK (pro_rata_fen >= 0),
        floor_fen      bigint     NOT NULL CHECK (floor_fen >= 0),
        entitled_fen   bigint     NOT NULL CHECK (entitled_fen >= 0),
        -- until the run is PAID: what the payment will pay; then what was paid, growing with operator settlements
        paid_fen       bigint     NOT NULL DEFAULT 0,
        CHECK (paid_fen BETWEEN 0 AND entitled_fen),
        CHECK ((holder_type = 'HOUSEHOLD') = (household_id IS NOT NULL))
      );
      CREATE INDEX aip_distribution_lines_run ON aip_distribution_lines (run_id, id);
      CREATE INDEX aip_distribution_lines_household ON aip_distribution_lines (household_id);

      -- the operator paying (part of) the floor shortfall it owed
      CREATE TABLE aip_operator_settlements (
        id           bigserial   PRIMARY KEY,
        project_id   bigint      NOT NULL REFERENCES aip_projects (id),
        amount_fen   bigint      NOT NULL CHECK (amount_fen > 0),
        settled_on   date        NOT NULL,
        entry_id     bigint      NOT NULL REFERENCES journal_entries (id),
        created_by   text        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE aip_liquidations (
        id                    bigserial   PRIMARY KEY,
        project_id            bigint      NOT NULL REFERENCES aip_projects (id),
        status                text        NOT NULL CHECK (status IN ('PREPARED','APPROVED','PAID')),
        liquidation_date      date        NOT NULL,
        proceeds_fen          bigint      NOT NULL CHECK (proceeds_fen >= 0),
        special_fund_fen      bigint      NOT NULL,
        special_repaid_fen    bigint      NOT NULL CHECK (special_repaid_fen >= 0),
        others_fen            bigint      NOT NULL CHECK (others_fen >= 0),
        capital_fen           bigint      NOT NULL,
        prepared_by           text        NOT NULL,
        prepared_at           timestamptz NOT NULL DEFAULT now(),
        approved_by           text,
        approved_at           timestamptz,
        paid_by               text,
        paid_at               timestamptz,
        entry_id              bigint      REFERENCES journal_entries (id),
        UNIQUE (project_id),
        CHECK (approved_by IS NULL OR approved_by <> prepared_by),
        CHECK (proceeds_fen = special_repaid_fen + others_fen)
      );
      CREATE TABLE aip_liquidation_lines (
        id              bigserial  PRIMARY KEY,
        liquidation_id  bigint     NOT NULL REFERENCES aip_liquidations (id),
        holder_type     text       NOT NULL CHECK (holder_type IN ('COLLECTIVE','HOUSEHOLD','CLASS')),
        class_kind      text       NOT NULL,
        household_id    bigint     REFERENCES households (id),
        right_id        bigint     REFERENCES aip_share_rights (id),
        basis_fen       bigint     NOT NULL CHECK (basis_fen >= 0),
        amount_fen      bigint     NOT NULL CHECK (amount_fen >= 0)
      );
      CREATE INDEX aip_liquidation_lines_liquidation ON aip_liquidation_lines (liquidation_id, id);

      -- The insurance lock (保险锁) at the database too: a project's entity may never be a covered borrower. The
      -- services check first (assertNotAssetIncomeEntity) and answer with a problem; this catches any path that
      -- forgets. FOR SHARE conflicts with the FOR UPDATE the project takes when it flags the entity, so a loan
      -- and a flag racing each other cannot both commit.
      CREATE FUNCTION refuse_asset_income_borrower() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE locked boolean;
      BEGIN
        IF NEW.entity_id IS NOT NULL AND NEW.channel = 'BANK_COVERED' THEN
          SELECT is_asset_income_project INTO locked FROM operating_entities WHERE id = NEW.entity_id FOR SHARE;
          IF locked THEN
            RAISE EXCEPTION 'ASSET_INCOME_ENTITY_LOCKED: operating entity % runs an asset-income project and may not borrow under cover', NEW.entity_id
              USING ERRCODE = 'check_violation';
          END IF;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER loans_asset_income_lock BEFORE INSERT OR UPDATE OF entity_id, channel ON loans
        FOR EACH ROW EXECUTE FUNCTION refuse_asset_income_borrower();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER loans_asset_income_lock ON loans; DROP FUNCTION refuse_asset_income_borrower();
      DROP TABLE aip_liquidation_lines; DROP TABLE aip_liquidations; DROP TABLE aip_operator_settlements;
      DROP TABLE aip_distribution_lines; DROP TABLE aip_distribution_runs; DROP TABLE aip_alerts;
      DROP TABLE aip_annual_results; DROP TABLE aip_share_rights; DROP TABLE aip_capital_classes; DROP TABLE aip_projects;
    `);
  }
}
