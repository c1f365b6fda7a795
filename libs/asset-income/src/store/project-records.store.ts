import type { EntityManager } from 'typeorm';
import { DomainError, queryOne, queryRows, ID_PATTERN as ID } from '#libs/common';
import type { Fen } from '#libs/money';
import type { HouseholdHolding, OtherClassCapital } from '../domain/distribution.js';
import { OTHER_CLASS_KINDS, type OtherClassKind } from '../domain/model.js';
import type { ProjectRecord } from '../project.js';
import type { AipProjectRow } from './rows.generated.js';

/** Row-level reads of projects and their register shared by the services. Locks are taken here so every service locks in the same order. */

export const toProject = (r: AipProjectRow): ProjectRecord => ({
  id: String(r.id),
  name: r.name,
  villageId: String(r.village_id),
  districtId: String(r.district_id),
  entityId: String(r.entity_id),
  businessType: r.business_type,
  specialFundFen: BigInt(r.special_fund_fen),
  collectivePercent: r.collective_percent,
  householdWeighting: r.household_weighting,
  rightRule: r.right_rule,
  floorRatePercent: r.floor_rate_percent,
  floorRecipients: r.floor_recipients,
  payoutPercent: r.payout_percent,
  liquidationThresholdFen: BigInt(r.liquidation_threshold_fen),
  alertMarginFen: BigInt(r.alert_margin_fen),
  status: r.status,
  injectedOn: r.injected_on,
  quantifiedOn: r.quantified_on,
  liquidationFlaggedYear: r.liquidation_flagged_year,
  liquidatedOn: r.liquidated_on,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

/** A project by id; `lock` takes FOR UPDATE, always the first lock of a project operation. */
export async function loadProject(m: EntityManager, id: string, lock = false): Promise<ProjectRecord> {
  const row = ID.test(id)
    ? await queryOne<AipProjectRow>(
        m,
        `SELECT * FROM aip_projects WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
        [id],
      )
    : undefined;
  if (!row) throw new DomainError('NOT_FOUND', `asset-income project ${id} not found`);
  return toProject(row);
}

/** The other classes of a project, in the fixed class order. */
export async function otherClasses(
  m: EntityManager,
  projectId: string,
): Promise<(OtherClassCapital & { description: string | null })[]> {
  const rows = await queryRows<{ kind: OtherClassKind; capital_fen: string; description: string | null }>(
    m,
    `SELECT kind, capital_fen, description FROM aip_capital_classes WHERE project_id = $1`,
    [projectId],
  );
  return rows
    .map((r) => ({ kind: r.kind, capitalFen: BigInt(r.capital_fen), description: r.description }))
    .sort((a, b) => OTHER_CLASS_KINDS.indexOf(a.kind) - OTHER_CLASS_KINDS.indexOf(b.kind));
}

export interface Holdings {
  collectiveFen: Fen;
  households: HouseholdHolding[];
}

/** The share register on a date: rights with valid_from ≤ date < valid_to. Member counts are today's. */
export async function holdingsAt(m: EntityManager, projectId: string, date: string): Promise<Holdings> {
  const rows = await queryRows<{
    id: string;
    holder_type: string;
    household_id: string | null;
    amount_fen: string;
    member_count: number | null;
  }>(
    m,
    `SELECT r.id, r.holder_type, r.household_id, r.amount_fen, h.member_count
       FROM aip_share_rights r LEFT JOIN households h ON h.id = r.household_id
      WHERE r.project_id = $1 AND r.valid_from <= $2 AND (r.valid_to IS NULL OR r.valid_to > $2)
      ORDER BY r.id`,
    [projectId, date],
  );
  let collectiveFen = 0n;
  const households: HouseholdHolding[] = [];
  for (const r of rows) {
    if (r.holder_type === 'COLLECTIVE') collectiveFen += BigInt(r.amount_fen);
    else
      households.push({
        rightId: String(r.id),
        householdId: String(r.household_id),
        amountFen: BigInt(r.amount_fen),
        memberCount: r.member_count ?? 0,
      });
  }
  return { collectiveFen, households };
}

/**
 * Right holders on a date who are no longer poor while the project's rule moves such rights, and whose right has
 * not been moved yet: it must be moved (transferred or returned) before dividends or liquidation proceeds are worked
 * out for that date. A household that graduated after the year in question still held its right for that year, and
 * so does one whose right was moved with effect after the date (the administrator chose when the move took effect).
 * Only rights still open count, so a graduation recorded after a run was approved can always be resolved by a move
 * dated after the run's record date.
 */
export async function pendingRightMoves(
  m: EntityManager,
  project: ProjectRecord,
  date: string,
  year: number,
): Promise<{ rightId: string; householdId: string; status: string; graduatedYear: number | null }[]> {
  if (project.rightRule === 'KEEP') return [];
  const rows = await queryRows<{
    id: string;
    household_id: string;
    status: string;
    graduated_year: number | null;
  }>(
    m,
    `SELECT r.id, r.household_id, h.status, h.graduated_year
       FROM aip_share_rights r JOIN households h ON h.id = r.household_id
      WHERE r.project_id = $1 AND r.valid_from <= $2 AND r.valid_to IS NULL
        AND (h.status = 'NON_POOR' OR (h.status = 'GRADUATED' AND h.graduated_year <= $3))
      ORDER BY r.id`,
    [project.id, date, year],
  );
  return rows.map((r) => ({
    rightId: String(r.id),
    householdId: String(r.household_id),
    status: r.status,
    graduatedYear: r.graduated_year,
  }));
}
