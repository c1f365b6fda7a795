import { formatYuan, type Fen } from '#libs/money';
import { daysBetween, eventOf, type ReminderEvent } from './offsets.js';

/**
 * The Chinese message of each reminder event. Placeholders: {date} the due date (2026年1月15日), {amount} what is
 * still owed on the instalment, to the fen (formatYuan), {number} the instalment number, {days} days overdue on the
 * day it is sent. Texts name the date instead of "tomorrow" so a message delayed by quiet hours stays true.
 * The template codes are what an SMS gateway registers (短信模板) and receives with the parameters.
 */
export const TEMPLATES: Record<ReminderEvent, { code: string; text: string }> = {
  DUE_T7: {
    code: 'MAE_REPAY_DUE_T7',
    text: '您的贷款(第{number}期)将于{date}到期,应还¥{amount},请提前准备资金。',
  },
  DUE_T1: {
    code: 'MAE_REPAY_DUE_T1',
    text: '您的贷款(第{number}期)将于{date}到期,应还¥{amount},请按时还款。',
  },
  DUE_T0: {
    code: 'MAE_REPAY_DUE_T0',
    text: '您的贷款(第{number}期)于今日{date}到期,应还¥{amount},请于今日还款。',
  },
  OVERDUE_T1: {
    code: 'MAE_REPAY_OVERDUE_T1',
    text: '您的贷款(第{number}期)已于{date}到期,尚欠¥{amount},已逾期{days}天,请尽快还款。',
  },
  OVERDUE_T7: {
    code: 'MAE_REPAY_OVERDUE_T7',
    text: '您的贷款(第{number}期)已逾期{days}天,尚欠¥{amount}(到期日{date}),请立即还款,以免产生更多罚息。',
  },
  OVERDUE_T30: {
    code: 'MAE_REPAY_OVERDUE_T30',
    text: '您的贷款(第{number}期)已逾期{days}天,尚欠¥{amount}(到期日{date})。逾期将影响您的信用记录,请立即还款或联系信贷员。',
  },
};

export interface ReminderFacts {
  offsetDays: number;
  installmentNumber: number;
  dueDate: string;
  amountDueFen: Fen;
  /** The business date the message is sent on (days overdue are counted to it). */
  sendDate: string;
}

export interface RenderedReminder {
  event: ReminderEvent;
  templateCode: string;
  /** Template parameters as the SMS gateway receives them (all strings). */
  params: { date: string; amount: string; number: string; days: string };
  text: string;
}

/** 2026-01-05 → 2026年1月5日. */
export function chineseDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}

export function renderReminder(f: ReminderFacts): RenderedReminder {
  if (f.amountDueFen <= 0n) throw new RangeError('a reminder needs an amount still owed');
  const event = eventOf(f.offsetDays);
  const template = TEMPLATES[event];
  const params = {
    date: chineseDate(f.dueDate),
    amount: formatYuan(f.amountDueFen),
    number: String(f.installmentNumber),
    days: String(Math.max(0, daysBetween(f.dueDate, f.sendDate))),
  };
  const text = template.text.replace(
    /\{(date|amount|number|days)\}/g,
    (_, k: keyof typeof params) => params[k],
  );
  return { event, templateCode: template.code, params, text };
}
