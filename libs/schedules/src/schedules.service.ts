import { Injectable } from '@nestjs/common';
import { DomainError } from '#libs/common';
import { yuan } from '#libs/money';
import { toScheduleView, type ScheduleView } from './domain/format.js';
import { generateSchedule } from './domain/generate.js';
import { ScheduleTermsError, type Schedule, type ScheduleRequest } from './domain/types.js';
import type { SchedulePreviewDto } from './dto.js';

/** The typed terms of a validated preview request, with the contract's defaults. */
export function scheduleRequestOf(dto: SchedulePreviewDto): ScheduleRequest {
  return {
    principalFen: yuan(dto.principal),
    annualRatePercent: dto.annualRatePercent,
    numberOfInstallments: dto.numberOfInstallments,
    frequency: dto.frequency,
    termMonths: dto.termMonths ?? undefined,
    method: dto.method,
    dayCount: dto.dayCount ?? 'PERIOD',
    disbursementDate: dto.disbursementDate,
    rounding: dto.rounding ?? 'HALF_UP',
    installmentMultipleFen: yuan(dto.installmentMultiple ?? '0.01'),
    principalGraceInstallments: dto.principalGraceInstallments ?? 0,
  };
}

@Injectable()
export class SchedulesService {
  /**
   * The schedule of a loan's terms, for origination, repayment and prepayment. Terms that break a rule (a product
   * or loan that should not exist) answer SCHEDULE_TERMS_INVALID naming every broken rule.
   */
  generate(req: ScheduleRequest): Schedule {
    return this.build(req, 'SCHEDULE_TERMS_INVALID');
  }

  /** POST /schedules/preview: the DTO has passed the same rules, so a refusal here is still the caller's 400. */
  preview(dto: SchedulePreviewDto): ScheduleView {
    return toScheduleView(this.build(scheduleRequestOf(dto), 'VALIDATION_FAILED'));
  }

  private build(req: ScheduleRequest, code: 'SCHEDULE_TERMS_INVALID' | 'VALIDATION_FAILED'): Schedule {
    try {
      return generateSchedule(req);
    } catch (e) {
      if (e instanceof ScheduleTermsError) {
        throw new DomainError(
          code,
          `Invalid schedule terms: ${[...new Set(e.errors.map((x) => x.field))].join(', ')}`,
          e.errors,
        );
      }
      throw e;
    }
  }
}
