import type { FieldError } from '#libs/common';
import { compareDecimal } from '#libs/money';
import { trimDecimal } from './covers.js';
import type { GuaranteeAgreementRow } from '../store/rows.generated.js';

export type CompensationMode = 'ADVANCE' | 'FINAL_LOSS';

/** A guarantee_agreements row (numerics as text). */
/** A guarantee_agreements row (numerics as text). */
export type AgreementRecord = GuaranteeAgreementRow;

export type AgreementJoinRecord = AgreementRecord & { district_id: string; bank_code: string };

export interface AgreementView {
  id: string;
  agreementNo: string;
  riskFundId: string;
  districtId: string;
  bankId: string;
  bankCode: string;
  leverageMultiple: string;
  entityLeverageMultiple: string | null;
  fundSharePercent: string;
  bankSharePercent: string;
  compensationMode: CompensationMode;
  triggerDays: number;
  nplThresholdPercent: string;
  validFrom: string;
  validTo: string | null;
  status: 'ACTIVE' | 'TERMINATED';
  terminatedOn: string | null;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export const agreementView = (r: AgreementJoinRecord): AgreementView => ({
  id: r.id,
  agreementNo: r.agreement_no,
  riskFundId: r.risk_fund_id,
  districtId: r.district_id,
  bankId: r.bank_id,
  bankCode: r.bank_code,
  leverageMultiple: trimDecimal(r.leverage_multiple),
  entityLeverageMultiple:
    r.entity_leverage_multiple === null ? null : trimDecimal(r.entity_leverage_multiple),
  fundSharePercent: trimDecimal(r.fund_share_percent),
  bankSharePercent: trimDecimal(r.bank_share_percent),
  compensationMode: r.compensation_mode,
  triggerDays: r.trigger_days,
  nplThresholdPercent: trimDecimal(r.npl_threshold_percent),
  validFrom: r.valid_from,
  validTo: r.valid_to,
  status: r.status,
  terminatedOn: r.terminated_on,
  version: r.version,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

export interface AgreementTerms {
  leverageMultiple: string;
  entityLeverageMultiple: string | null;
  fundSharePercent: string;
  bankSharePercent: string;
  compensationMode: CompensationMode;
  triggerDays: number;
  nplThresholdPercent: string;
  validFrom: string;
  validTo: string | null;
}

/** What a caller may say about the terms: anything left out keeps its current (or default) value. */
export interface TermsPatch {
  leverageMultiple?: string;
  entityLeverageMultiple?: string | null;
  fundSharePercent?: string;
  bankSharePercent?: string;
  compensationMode?: CompensationMode;
  triggerDays?: number;
  nplThresholdPercent?: string;
  validFrom?: string;
  validTo?: string | null;
}

/** The terms of an agreement nobody said anything about (SPEC §2.2): 10×, 80/20, advance at 90 days, 5 %. */
export const DEFAULT_TERMS: Omit<AgreementTerms, 'validFrom'> = {
  leverageMultiple: '10',
  entityLeverageMultiple: null,
  fundSharePercent: '80',
  bankSharePercent: '20',
  compensationMode: 'ADVANCE',
  triggerDays: 90,
  nplThresholdPercent: '5',
  validTo: null,
};

/** A share percentage with at most two decimals, in hundredths of a percent ("72.5" → 7250n). */
function cents(p: string): bigint {
  const [i, f = ''] = p.split('.');
  return BigInt(i) * 100n + BigInt((f + '00').slice(0, 2));
}

/** 100 − p for a share percentage with at most two decimals, exactly ("80" → "20", "72.5" → "27.5"). */
export function subtractFrom100(p: string): string {
  const rest = 10000n - cents(p);
  if (rest < 0n) throw new RangeError(`share ${p} exceeds 100`);
  const s = rest.toString().padStart(3, '0');
  return trimDecimal(`${s.slice(0, -2)}.${s.slice(-2)}`);
}

/**
 * The terms after a patch: a share given alone sets the other to its complement; `null` clears the entity
 * multiple or the end date, `undefined` keeps them.
 */
export function mergeTerms(base: AgreementTerms, patch: TermsPatch): AgreementTerms {
  return {
    leverageMultiple: patch.leverageMultiple ?? base.leverageMultiple,
    entityLeverageMultiple:
      patch.entityLeverageMultiple === undefined ? base.entityLeverageMultiple : patch.entityLeverageMultiple,
    fundSharePercent:
      patch.fundSharePercent ??
      (patch.bankSharePercent !== undefined
        ? subtractFrom100(patch.bankSharePercent)
        : base.fundSharePercent),
    bankSharePercent:
      patch.bankSharePercent ??
      (patch.fundSharePercent !== undefined
        ? subtractFrom100(patch.fundSharePercent)
        : base.bankSharePercent),
    compensationMode: patch.compensationMode ?? base.compensationMode,
    triggerDays: patch.triggerDays ?? base.triggerDays,
    nplThresholdPercent: patch.nplThresholdPercent ?? base.nplThresholdPercent,
    validFrom: patch.validFrom ?? base.validFrom,
    validTo: patch.validTo === undefined ? base.validTo : patch.validTo,
  };
}

/** Cross-field rules the DTO cannot see alone; every failure at once. */
export function termProblems(t: AgreementTerms): FieldError[] {
  const out: FieldError[] = [];
  if (t.entityLeverageMultiple !== null && compareDecimal(t.entityLeverageMultiple, t.leverageMultiple) > 0) {
    out.push({
      field: 'entityLeverageMultiple',
      code: 'AGREEMENT_INVALID',
      message: `must not exceed the leverage multiple ${t.leverageMultiple}`,
    });
  }
  if (compareDecimal(t.fundSharePercent, '0') === 0 && compareDecimal(t.bankSharePercent, '0') === 0) {
    out.push({
      field: 'fundSharePercent',
      code: 'AGREEMENT_INVALID',
      message: 'the shares cannot both be zero',
    });
  }
  // exact: 80 + 20 = 100, compared on decimals scaled to two places
  if (cents(t.fundSharePercent) + cents(t.bankSharePercent) !== 10000n) {
    out.push({
      field: 'bankSharePercent',
      code: 'AGREEMENT_INVALID',
      message: `fund ${t.fundSharePercent} + bank ${t.bankSharePercent} must be 100`,
    });
  }
  if (t.validTo !== null && t.validTo < t.validFrom) {
    out.push({
      field: 'validTo',
      code: 'AGREEMENT_INVALID',
      message: `must not be before validFrom ${t.validFrom}`,
    });
  }
  return out;
}

/** The parties of a new agreement must exist and its fund be active; every failure at once. */
export function partyProblems(
  fund: { status: string } | undefined,
  bank: { code: string } | undefined,
): FieldError[] {
  const out: FieldError[] = [];
  if (!fund) out.push({ field: 'riskFundId', code: 'AGREEMENT_INVALID', message: 'unknown risk fund' });
  else if (fund.status !== 'ACTIVE')
    out.push({ field: 'riskFundId', code: 'AGREEMENT_INVALID', message: 'the risk fund is closed' });
  if (!bank) out.push({ field: 'bankId', code: 'AGREEMENT_INVALID', message: 'unknown bank' });
  return out;
}

/** A termination may be today or in the past; a future end is `validTo`, so the status never runs ahead. */
export function terminationProblems(on: string, today: string): FieldError[] {
  if (on <= today) return [];
  return [
    {
      field: 'terminatedOn',
      code: 'AGREEMENT_INVALID',
      message: `must not be after today ${today}; set validTo to end the agreement later`,
    },
  ];
}

/** The terms as the view shows them (trimmed decimals), to patch an existing agreement. */
export const termsOf = (v: AgreementView): AgreementTerms => ({
  leverageMultiple: v.leverageMultiple,
  entityLeverageMultiple: v.entityLeverageMultiple,
  fundSharePercent: v.fundSharePercent,
  bankSharePercent: v.bankSharePercent,
  compensationMode: v.compensationMode,
  triggerDays: v.triggerDays,
  nplThresholdPercent: v.nplThresholdPercent,
  validFrom: v.validFrom,
  validTo: v.validTo,
});
