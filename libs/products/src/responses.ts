import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiDecimal, ApiId, ApiMoney } from '#libs/common';
import {
  CURRENCIES,
  DAY_COUNTS,
  EARLY_REPAYMENT_FEES,
  FREQUENCIES,
  HOUSEHOLD_STATUSES,
  METHODS,
  PENALTY_BASES,
  PREPAYMENT_MODES,
  PRODUCT_KINDS,
  RATE_SOURCES,
  ROUNDINGS,
  WATERFALL_COMPONENTS,
} from './domain/enums.js';
import { PURPOSES } from './domain/purposes.js';

/** The response bodies of products and the benchmark rate table. Rates are exact percent strings. */

export class ProductVersionResponse {
  @ApiId({ example: '2' }) id!: string;
  @ApiId({ example: '2' }) productId!: string;
  @ApiProperty({ example: 'HH_MICRO_STD' }) code!: string;
  @ApiProperty({ enum: PRODUCT_KINDS, example: 'HOUSEHOLD_MICROCREDIT' }) kind!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: true }) isCurrent!: boolean;
  @ApiProperty({ example: true }) active!: boolean;
  @ApiProperty({ example: 'Household poverty microcredit (standard)' }) name!: string;
  @ApiProperty({ enum: CURRENCIES, example: 'CNY' }) currency!: string;
  @ApiMoney({ example: '1000.00' }) minPrincipal!: string;
  @ApiMoney({ example: '50000.00' }) maxPrincipal!: string;
  @ApiMoney({ nullable: true, example: null, description: 'Cap on a borrower’s first loan' }) firstLoanMax!: string | null;
  @ApiProperty({ example: 1 }) minTermMonths!: number;
  @ApiProperty({ example: 36 }) maxTermMonths!: number;
  @ApiProperty({ enum: METHODS, example: 'EQUAL_INSTALLMENT' }) method!: string;
  @ApiProperty({ enum: FREQUENCIES, example: 'MONTHLY' }) frequency!: string;
  @ApiProperty({ enum: DAY_COUNTS, example: 'PERIOD' }) dayCount!: string;
  @ApiProperty({ enum: ROUNDINGS, example: 'HALF_UP' }) rounding!: string;
  @ApiMoney({ example: '0.01' }) installmentMultiple!: string;
  @ApiProperty({ enum: RATE_SOURCES, example: 'BENCHMARK' }) rateSource!: string;
  @ApiDecimal({ nullable: true, example: null, description: 'Percent per year, for a FIXED product' }) fixedRatePercent!: string | null;
  @ApiDecimal({ example: '0', description: 'Percent per year added to the benchmark' }) markupPercent!: string;
  @ApiDecimal({ example: '50', description: 'Read by penaltyBasis' }) penaltyRatePercent!: string;
  @ApiProperty({ enum: PENALTY_BASES, example: 'SURCHARGE_ON_CONTRACT' }) penaltyBasis!: string;
  @ApiProperty({ example: 0 }) graceDays!: number;
  @ApiProperty({ enum: PURPOSES, isArray: true, example: ['PLANTING', 'BREEDING'] }) allowedPurposes!: string[];
  @ApiProperty({ enum: HOUSEHOLD_STATUSES, isArray: true, example: ['POOR', 'GRADUATED'] }) eligibleStatuses!: string[];
  @ApiProperty({ type: Number, nullable: true, example: 18 }) minAge!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 65 }) maxAge!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: null, description: 'Subsidy terms, as set on the product' })
  subsidyPolicy!: Record<string, unknown> | null;
  @ApiProperty({ example: true }) requiresGuaranteeFund!: boolean;
  @ApiProperty({ example: false }) requiresGroup!: boolean;
  @ApiProperty({ enum: PREPAYMENT_MODES, example: 'SHORTEN_TERM' }) prepaymentMode!: string;
  @ApiProperty({ enum: EARLY_REPAYMENT_FEES, example: 'ACCRUED' }) earlyRepaymentFee!: string;
  @ApiProperty({ enum: WATERFALL_COMPONENTS, isArray: true, example: WATERFALL_COMPONENTS, description: 'The order a repayment is applied in' })
  waterfall!: string[];
  @ApiMoney({ nullable: true, example: null, description: 'Entity loans: the credit line per linked poor household' })
  maxPerLinkedHousehold!: string | null;
  @ApiProperty({ example: 'system' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
}

export class ProductResponse {
  @ApiId({ example: '2' }) id!: string;
  @ApiProperty({ example: 'HH_MICRO_STD' }) code!: string;
  @ApiProperty({ enum: PRODUCT_KINDS, example: 'HOUSEHOLD_MICROCREDIT' }) kind!: string;
  @ApiProperty({ example: 'Household poverty microcredit (standard)' }) name!: string;
  @ApiProperty({ example: true }) active!: boolean;
  @ApiProperty({ example: 1 }) currentVersion!: number;
  @ApiDateTime() createdAt!: string;
  @ApiProperty({ type: ProductVersionResponse, description: 'The current version’s terms' }) terms!: ProductVersionResponse;
}

export class ProductContractRateResponse {
  @ApiId({ example: '2' }) productId!: string;
  @ApiProperty({ example: 'HH_MICRO_STD' }) code!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 12 }) termMonths!: number;
  @ApiDate({ example: '2026-03-01' }) contractDate!: string;
  @ApiDecimal({ description: 'Percent per year: benchmark in force + markup, or the fixed rate' }) annualRatePercent!: string;
  @ApiDecimal({ nullable: true, description: 'null for a FIXED product' }) benchmarkRatePercent!: string | null;
  @ApiId({ nullable: true, example: '1' }) benchmarkRateId!: string | null;
  @ApiDecimal({ example: '0' }) markupPercent!: string;
  @ApiDecimal({ example: '6.525', description: 'Annual penalty rate on overdue principal' }) penaltyRatePercent!: string;
  @ApiProperty({ enum: RATE_SOURCES, example: 'BENCHMARK' }) rateSource!: string;
}

export class BenchmarkRateResponse {
  @ApiId({ example: '1' }) id!: string;
  @ApiProperty({ example: 1 }) termMinMonths!: number;
  @ApiProperty({ example: 12 }) termMaxMonths!: number;
  @ApiDecimal({ description: 'Percent per year, shortest exact form' }) ratePercent!: string;
  @ApiDate({ example: '2015-10-24' }) effectiveFrom!: string;
  @ApiProperty({ type: String, nullable: true, example: 'PBOC benchmark lending rate of 2015-10-24' }) note!: string | null;
  @ApiProperty({ example: 'admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiProperty({ example: false }) withdrawn!: boolean;
  @ApiDateTime({ nullable: true, example: null }) withdrawnAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) withdrawnBy!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) withdrawalReason!: string | null;
}

export class BenchmarkRateInForceResponse {
  @ApiProperty({ example: 12 }) termMonths!: number;
  @ApiDate({ example: '2020-06-01' }) date!: string;
  @ApiDecimal() ratePercent!: string;
  @ApiId({ example: '1' }) rateId!: string;
  @ApiProperty({ example: 1 }) termMinMonths!: number;
  @ApiProperty({ example: 12 }) termMaxMonths!: number;
  @ApiDate({ example: '2015-10-24' }) effectiveFrom!: string;
}
