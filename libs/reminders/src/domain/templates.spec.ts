import fc from 'fast-check';
import { formatYuan } from '#libs/money';
import { chineseDate, renderReminder, TEMPLATES } from './templates.js';

describe('reminder templates', () => {
  it('renders the due-date reminders with the date and the amount to the fen', () => {
    const r = renderReminder({
      offsetDays: -7,
      installmentNumber: 3,
      dueDate: '2026-03-22',
      amountDueFen: 86117n,
      sendDate: '2026-03-15',
    });
    expect(r.event).toBe('DUE_T7');
    expect(r.templateCode).toBe('MAE_REPAY_DUE_T7');
    expect(r.text).toBe('您的贷款(第3期)将于2026年3月22日到期,应还¥861.17,请提前准备资金。');
    expect(r.params).toEqual({ date: '2026年3月22日', amount: '861.17', number: '3', days: '0' });
    expect(
      renderReminder({
        offsetDays: 0,
        installmentNumber: 1,
        dueDate: '2026-03-22',
        amountDueFen: 5n,
        sendDate: '2026-03-22',
      }).text,
    ).toBe('您的贷款(第1期)于今日2026年3月22日到期,应还¥0.05,请于今日还款。');
  });

  it('counts the days overdue to the day the message is sent (a caught-up T+1 says 3 days)', () => {
    const r = renderReminder({
      offsetDays: 1,
      installmentNumber: 2,
      dueDate: '2026-01-31',
      amountDueFen: 100000n,
      sendDate: '2026-02-03',
    });
    expect(r.text).toBe('您的贷款(第2期)已于2026年1月31日到期,尚欠¥1000.00,已逾期3天,请尽快还款。');
    expect(
      renderReminder({
        offsetDays: 30,
        installmentNumber: 2,
        dueDate: '2026-01-31',
        amountDueFen: 1n,
        sendDate: '2026-03-02',
      }).params.days,
    ).toBe('30');
  });

  it('has a template for every event, every placeholder filled (property over amounts and dates)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(-7, -1, 0, 1, 7, 30),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2035-12-31'), noInvalidDate: true }),
        (offset, fen, d) => {
          const due = d.toISOString().slice(0, 10);
          const r = renderReminder({
            offsetDays: offset,
            installmentNumber: 7,
            dueDate: due,
            amountDueFen: fen,
            sendDate: due,
          });
          expect(r.text).not.toMatch(/[{}]/);
          expect(r.text).toContain(`¥${formatYuan(fen)}`);
          expect(r.text).toContain(chineseDate(due));
          expect(TEMPLATES[r.event].code).toBe(r.templateCode);
        },
      ),
    );
  });

  it('refuses to remind of nothing owed', () => {
    expect(() =>
      renderReminder({
        offsetDays: 0,
        installmentNumber: 1,
        dueDate: '2026-03-22',
        amountDueFen: 0n,
        sendDate: '2026-03-22',
      }),
    ).toThrow(RangeError);
  });
});
