import { formatYuan } from '#libs/money';
import type { Schedule } from './types.js';

/** The wire form of a schedule (SPEC §5 response): money as yuan strings with two decimals. */
export interface ScheduleView {
  installments: {
    number: number;
    dueDate: string;
    days: number;
    principal: string;
    interest: string;
    total: string;
    balanceAfter: string;
  }[];
  totals: { principal: string; interest: string; total: string };
}

/** Exactly the contract's fields, in its order, so reference schedules compare field by field. */
export function toScheduleView(schedule: Schedule): ScheduleView {
  return {
    installments: schedule.installments.map((i) => ({
      number: i.number,
      dueDate: i.dueDate,
      days: i.days,
      principal: formatYuan(i.principalFen),
      interest: formatYuan(i.interestFen),
      total: formatYuan(i.totalFen),
      balanceAfter: formatYuan(i.balanceAfterFen),
    })),
    totals: {
      principal: formatYuan(schedule.totals.principalFen),
      interest: formatYuan(schedule.totals.interestFen),
      total: formatYuan(schedule.totals.totalFen),
    },
  };
}
