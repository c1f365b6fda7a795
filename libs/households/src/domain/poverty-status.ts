import type { FieldErrorCode } from '#libs/common';
/**
 * Poverty identification (建档立卡): a household is POOR while its per-capita net income is below the poverty line
 * of its jurisdiction for the income year; a household with a poverty history that reaches the line GRADUATED
 * (脱贫) in that year; anyone else is NON_POOR. A registrar may override the derived status only with a reason.
 */

export const POVERTY_STATUSES = ['POOR', 'GRADUATED', 'NON_POOR'] as const;
export type PovertyStatus = (typeof POVERTY_STATUSES)[number];

export interface StatusWithYear {
  status: PovertyStatus;
  /** Set exactly when status is GRADUATED. */
  graduatedYear: number | null;
}

export interface RuleError {
  field: string;
  code: FieldErrorCode;
  message: string;
}

export interface PovertyLineRow {
  /** null: the city-wide line. */
  districtId: string | null;
  year: number;
  lineFen: bigint;
}

/**
 * The line that applies to a district and year: the district's own line overrides the city-wide one
 * (district null). Undefined when neither exists.
 */
export function applicableLine<T extends PovertyLineRow>(lines: readonly T[], districtId: string, year: number): T | undefined {
  return (
    lines.find((l) => l.year === year && l.districtId !== null && String(l.districtId) === String(districtId)) ??
    lines.find((l) => l.year === year && l.districtId === null)
  );
}

/**
 * Derives the status from income, the applicable line and the household's history (its current official status;
 * none for a new registration unless it declares an earlier graduation year).
 */
export function derivePovertyStatus(input: {
  perCapitaIncomeFen: bigint;
  incomeYear: number;
  lineFen: bigint;
  history?: StatusWithYear | null;
}): StatusWithYear {
  if (input.lineFen <= 0n) throw new RangeError('a poverty line must be positive');
  if (input.perCapitaIncomeFen < input.lineFen) return { status: 'POOR', graduatedYear: null };
  const h = input.history;
  if (h?.status === 'POOR') return { status: 'GRADUATED', graduatedYear: input.incomeYear };
  if (h?.status === 'GRADUATED' && h.graduatedYear !== null) return { status: 'GRADUATED', graduatedYear: h.graduatedYear };
  return { status: 'NON_POOR', graduatedYear: null };
}

export const sameStatus = (a: StatusWithYear, b: StatusWithYear): boolean =>
  a.status === b.status && (a.graduatedYear ?? null) === (b.graduatedYear ?? null);

export interface StatusRequest {
  /** The status the registrar asks for; absent means "whatever is derived" (or the standing override). */
  status?: PovertyStatus;
  graduatedYear?: number | null;
  overrideReason?: string | null;
  /** Drop a standing override and take the derived status again. */
  clearOverride?: boolean;
}

export interface ResolvedStatus extends StatusWithYear {
  derived: StatusWithYear;
  overrideReason: string | null;
}

export const MAX_OVERRIDE_REASON = 500;

/**
 * Shape rules of a status request that need no poverty line: GRADUATED goes with a graduation year no later than
 * the income year, and a year goes with nothing else. Every failure is returned.
 */
export function checkStatusRequest(req: StatusRequest, incomeYear: number): RuleError[] {
  const errors: RuleError[] = [];
  const year = req.graduatedYear ?? null;
  if (req.status === 'GRADUATED' && year === null) {
    errors.push({ field: 'graduatedYear', code: 'GRADUATED_YEAR_REQUIRED', message: 'graduatedYear is required when status is GRADUATED' });
  }
  if (year !== null && req.status !== undefined && req.status !== 'GRADUATED') {
    errors.push({ field: 'graduatedYear', code: 'GRADUATED_YEAR_NOT_ALLOWED', message: 'graduatedYear is only given with status GRADUATED' });
  }
  if (year !== null && year > incomeYear) {
    errors.push({ field: 'graduatedYear', code: 'GRADUATED_YEAR_AFTER_INCOME_YEAR', message: 'graduatedYear may not be after incomeYear' });
  }
  if (req.overrideReason !== undefined && req.overrideReason !== null && req.overrideReason.trim().length > MAX_OVERRIDE_REASON) {
    errors.push({ field: 'overrideReason', code: 'OVERRIDE_REASON_TOO_LONG', message: `overrideReason may have at most ${MAX_OVERRIDE_REASON} characters` });
  }
  return errors;
}

/**
 * The official status: the derived one, unless the registrar asks for another with a reason. A standing override
 * (`current` with a reason) survives updates that do not restate the status, until cleared: the registrar's
 * decision is not silently undone by an income correction.
 */
export function resolveStatus(
  derived: StatusWithYear,
  req: StatusRequest,
  current?: StatusWithYear & { overrideReason: string | null },
): { ok: true; value: ResolvedStatus } | { ok: false; errors: RuleError[] } {
  const reason = req.overrideReason?.trim() ? req.overrideReason.trim() : null;
  if (req.status === undefined) {
    if (current?.overrideReason && !req.clearOverride) {
      const keep = sameStatus(current, derived) ? null : current.overrideReason;
      return { ok: true, value: { status: current.status, graduatedYear: current.graduatedYear, derived, overrideReason: keep } };
    }
    return { ok: true, value: { ...derived, derived, overrideReason: null } };
  }
  const requested: StatusWithYear = { status: req.status, graduatedYear: req.status === 'GRADUATED' ? (req.graduatedYear ?? null) : null };
  if (sameStatus(requested, derived)) return { ok: true, value: { ...derived, derived, overrideReason: null } };
  if (!reason) {
    return {
      ok: false,
      errors: [
        {
          field: 'overrideReason',
          code: 'OVERRIDE_REASON_REQUIRED',
          message: `status ${describe(requested)} differs from the derived ${describe(derived)}: an overrideReason is required`,
        },
      ],
    };
  }
  return { ok: true, value: { ...requested, derived, overrideReason: reason } };
}

const describe = (s: StatusWithYear) => (s.status === 'GRADUATED' ? `GRADUATED(${s.graduatedYear})` : s.status);
