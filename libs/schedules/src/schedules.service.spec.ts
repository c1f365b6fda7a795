import { DomainError, statusOf } from '#libs/common';
import { SchedulesService } from './schedules.service.js';
import type { ScheduleRequest } from './domain/types.js';

const terms: ScheduleRequest = {
  principalFen: 400_000n,
  annualRatePercent: '6',
  numberOfInstallments: 1,
  frequency: 'AT_MATURITY',
  termMonths: 10,
  method: 'BULLET',
  dayCount: 'PERIOD',
  disbursementDate: '2016-05-05',
  rounding: 'HALF_UP',
  installmentMultipleFen: 1n,
  principalGraceInstallments: 0,
};

describe('SchedulesService.generate (for origination, repayment and prepayment)', () => {
  const service = new SchedulesService();

  it('builds the schedule of valid terms', () => {
    // 4000 × 6 % × 10/12 = 200.00
    expect(service.generate(terms).totals).toEqual({
      principalFen: 400_000n,
      interestFen: 20_000n,
      totalFen: 420_000n,
    });
  });

  it('refuses terms no schedule can be built from with a 422 naming every broken rule', () => {
    const err = (() => {
      try {
        service.generate({ ...terms, method: 'FLAT', termMonths: undefined, principalFen: -1n });
      } catch (e) {
        return e as DomainError;
      }
      throw new Error('expected a DomainError');
    })();
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('SCHEDULE_TERMS_INVALID');
    expect(statusOf(err.code)).toBe(422);
    expect(err.errors.map((e) => e.field).sort()).toEqual(['frequency', 'principal', 'termMonths']);
  });
});
