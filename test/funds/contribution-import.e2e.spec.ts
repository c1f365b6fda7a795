import iconv from 'iconv-lite';
import { FixedClock } from '#libs/common';
import { createTestApp, expectFile, expectStatus, fileBody, type TestApp } from '#libs/testing';
import { createHousehold, createVillage } from './fixtures.js';

/** Members' shares from the template: filled in as XLSX, saved again as GBK CSV, recorded once, all or nothing. */
let t: TestApp;
const clock = new FixedClock(new Date('2026-06-01T04:00:00Z'));
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp({}, clock);
  for (const role of ['FUND_ADMIN', 'LOAN_OFFICER'] as const) tokens[role] = await t.tokenFor(role);
});
afterAll(async () => t.close());

describe('fund member contributions import', () => {
  it('records the template filled in as XLSX, skips it as GBK CSV the second time, and refuses a bad file whole', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const v = await createVillage(t.db.dataSource, { name: '上小峰村' });
    const a = await createHousehold(t.db.dataSource, v.villageId, { headName: '张三' });
    const b = await createHousehold(t.db.dataSource, v.villageId, { headName: '李四' });
    const outsider = await createHousehold(t.db.dataSource, (await createVillage(t.db.dataSource)).villageId);
    const fund = await expectStatus(
      t.api(tokens.FUND_ADMIN).POST('/api/v1/mutual-aid-funds', { body: { villageId: v.villageId } }),
      201,
    );
    const path = { id: fund.body.id as string };

    const tpl = await expectFile(
      t.api(tokens.LOAN_OFFICER).GET('/api/v1/import-templates/{kind}', {
        params: { path: { kind: 'fund-contributions' } },
        parseAs: 'arrayBuffer',
      }),
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(tpl.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(1).values as unknown[]).slice(1) as string[];
    expect(header).toEqual(['*身份证号码', '户主姓名', '*入股金额', '*缴款日期', '年度']);
    ws.getRow(3).values = [a.idNumber, '张三', 1000, new Date(Date.UTC(2026, 4, 20)), 2026];
    ws.getRow(4).values = [b.idNumber, '李四', 500.5, new Date(Date.UTC(2026, 4, 21)), null];
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const upload = (body: Buffer, type: string, dryRun = false) =>
      expectStatus(
        t.api(tokens.LOAN_OFFICER).POST('/api/v1/mutual-aid-funds/{id}/contributions/import', {
          params: { path, query: dryRun ? { dryRun } : {} },
          ...fileBody(body, type, { 'Accept-Language': 'zh-CN' }),
        }),
        200,
      );
    const total = async () =>
      (await expectStatus(t.api(tokens.FUND_ADMIN).GET('/api/v1/mutual-aid-funds/{id}/contributions', { params: { path } }), 200))
        .body.totalAmount;

    const dry = await upload(xlsx, XLSX, true);
    expect(dry.body.errors).toEqual([]);
    expect(dry.body).toMatchObject({ dryRun: true, format: 'XLSX', rows: 2, valid: 2, imported: 0, failed: 0 });
    expect(await total()).toBe('0.00');

    const gbk = (lines: string[]) => iconv.encode(lines.join('\r\n') + '\r\n', 'gbk');
    const bad = await upload(
      gbk([header.join(','), `${a.idNumber},张三,1000.00,2026-05-20,2026`, `${outsider.idNumber},王五,12.345,2026-07-01,`]),
      'text/csv',
    );
    expect(bad.body).toMatchObject({ encoding: 'GB18030', valid: 1, imported: 0, failed: 1 });
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ row: 3, column: '*入股金额', field: 'amount' })]),
    );
    expect(await total()).toBe('0.00');
    const foreign = await upload(gbk([header.join(','), `${outsider.idNumber},王五,100,2026-05-20,`]), 'text/csv');
    expect(foreign.body).toMatchObject({ failed: 1, errors: [expect.objectContaining({ row: 2, column: '*身份证号码', field: 'idNumber' })] });
    expect(foreign.body.errors[0].message).toMatch(/\p{Script=Han}/u);

    const real = await upload(xlsx, XLSX);
    expect(real.body).toMatchObject({ imported: 2, failed: 0 });
    expect(await total()).toBe('1500.50');
    const again = await upload(
      gbk([header.join(','), `${a.idNumber},张三,1000,2026-05-20,2026`, `${b.idNumber},李四,500.50,2026-05-21,`]),
      'text/csv',
    );
    expect(again.body).toMatchObject({ encoding: 'GB18030', imported: 0, skipped: 2, failed: 0 });
    expect(await total()).toBe('1500.50');
  });
});
