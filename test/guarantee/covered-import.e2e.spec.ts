import iconv from 'iconv-lite';
import { FixedClock } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { seedBenchmarkRates, seedProducts } from '#libs/products';
import { expectFile, expectStatus, fileBody, createTestApp, type TestApp } from '#libs/testing';
import { createDistrict } from './fixtures.js';

/** A bank registers its covered loans from the template: XLSX, then the same rows as GBK CSV, all or nothing, once. */
const TODAY = '2026-03-01';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({}, new FixedClock(new Date(`${TODAY}T04:00:00Z`)));
  await seedBenchmarkRates(t.db.dataSource);
  await seedProducts(t.db.dataSource);
}, 60_000);
afterAll(async () => t.close());

describe('covered-loan bulk registration', () => {
  it('registers the template filled in as XLSX once, skips the GBK CSV of it, and refuses a file with a bad row whole', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const fundAdmin = t.api('FUND_ADMIN');
    const district = await createDistrict(t.db.dataSource);
    const [{ id_number: idNumber }] = await t.db.dataSource.query(`SELECT id_number FROM households WHERE id = $1`, [district.householdId]);
    const [{ credit_code: creditCode }] = await t.db.dataSource.query(`SELECT credit_code FROM operating_entities WHERE id = $1`, [district.entityId]);
    const bank = await expectStatus(t.api('ADMIN').POST('/api/v1/banks', { body: { code: 'BIMP1', name: '淄博农商银行' } }), 201);
    const officer = t.api(await t.tokenFor('BANK_OFFICER', { bankId: bank.body.id }));
    const fund = await expectStatus(fundAdmin.POST('/api/v1/risk-funds', { body: { districtId: district.districtId } }), 201);
    await expectStatus(
      fundAdmin.POST('/api/v1/risk-funds/{id}/deposits', {
        params: { path: { id: fund.body.id }, header: { 'Idempotency-Key': 'imp-dep-1' } },
        body: { source: 'CITY', amount: '100000.00', receivedOn: '2026-01-15' },
      }),
      201,
    );
    await expectStatus(
      fundAdmin.POST('/api/v1/guarantee-agreements', {
        body: { agreementNo: 'AG-IMP-1', riskFundId: fund.body.id, bankId: bank.body.id, validFrom: '2026-01-01' },
      }),
      201,
    );

    await expectStatus(
      t.api('LOAN_OFFICER').POST('/api/v1/entities/{id}/linked-households', {
        params: { path: { id: district.entityId } },
        body: { householdIds: [district.householdId] },
      }),
      200,
    );

    const tpl = await expectFile(
      officer.GET('/api/v1/import-templates/{kind}', { params: { path: { kind: 'covered-loans' } }, parseAs: 'arrayBuffer' }),
      200,
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(tpl.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(1).values as unknown[]).slice(1) as string[];
    expect(header[0]).toBe('*银行贷款编号');
    const rows = [
      ['IMP-0001', '农户', idNumber, 'HH_MICRO_STD', '20000', '12', '', 'BREEDING', TODAY],
      ['IMP-0002', '经营主体', creditCode, 'ENTITY_STD', '20000', '12', '', 'PLANTING', TODAY],
    ];
    rows.forEach((r, i) => (ws.getRow(3 + i).values = r));
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const gbk = (table: string[][]) => iconv.encode(table.map((r) => r.join(',')).join('\r\n') + '\r\n', 'gbk');
    const upload = (body: Buffer, type: string, dryRun?: boolean) =>
      expectStatus(
        officer.POST('/api/v1/covered-loans/import', {
          params: { query: dryRun === undefined ? {} : { dryRun } },
          ...fileBody(body, type),
          headers: { 'Content-Type': type, 'Accept-Language': 'zh-CN' },
        }),
        200,
      );
    const count = async () => (await expectStatus(officer.GET('/api/v1/covered-loans'), 200)).body.total as number;

    const dry = await upload(xlsx, XLSX, true);
    expect(dry.body.errors).toEqual([]);
    expect(dry.body).toMatchObject({ dryRun: true, format: 'XLSX', rows: 2, valid: 2, imported: 0, failed: 0 });
    expect(await count()).toBe(0);

    const bad = await upload(gbk([header, rows[0], ['IMP-0003', '农户', '110101199001011234', 'HH_MICRO_STD', '2000', '0', '', 'BREEDING', TODAY]]), 'text/csv');
    expect(bad.body).toMatchObject({ encoding: 'GB18030', valid: 1, imported: 0, failed: 1 });
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 3, column: '*借款人证件号码', field: 'borrowerCode', message: '农户不存在' }),
        expect.objectContaining({ row: 3, column: '*期限（月）', field: 'termMonths' }),
      ]),
    );
    expect(await count()).toBe(0);

    const real = await upload(xlsx, XLSX);
    expect(real.body).toMatchObject({ imported: 2, failed: 0 });
    const again = await upload(gbk([header, ...rows]), 'text/csv');
    expect(again.body).toMatchObject({ encoding: 'GB18030', imported: 0, skipped: 2, failed: 0 });
    expect(await count()).toBe(2);
    expect((await t.app.get(LedgerService).verify()).ok).toBe(true);
  });
});
