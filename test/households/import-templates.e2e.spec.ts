import iconv from 'iconv-lite';
import { creditCodeCheckChar, residentIdCheckChar } from '#libs/households';
import { createTestApp, expectFile, expectStatus, fileBody, type TestApp } from '#libs/testing';

/** Each import's template, filled in as a fund office would and uploaded back as XLSX or as a GBK CSV saved by Excel. */
let t: TestApp;
let admin: string;
let officer: string;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
let serial = 500;
const idNumber = () => {
  const first17 = `37030219800101${String(++serial).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
};

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.tokenFor('ADMIN');
  officer = await t.tokenFor('LOAN_OFFICER');
  const as = t.api(admin);
  const d = await expectStatus(as.POST('/api/v1/districts', { body: { code: '370302', name: '淄川区' } }), 201);
  const town = await expectStatus(
    as.POST('/api/v1/towns', { body: { districtId: d.body.id, code: '370302106', name: '岭子镇' } }),
    201,
  );
  await expectStatus(
    as.POST('/api/v1/villages', { body: { townId: town.body.id, code: '370302106201', name: '东坪村' } }),
    201,
  );
  await expectStatus(as.POST('/api/v1/poverty-lines', { body: { year: 2016, line: '3560.00' } }), 201);
});
afterAll(async () => t?.close());

type TemplateKind = 'households' | 'groups' | 'entities' | 'fund-contributions' | 'covered-loans' | 'bank-statements' | 'asset-income-results';

async function template(kind: TemplateKind): Promise<Buffer> {
  const res = await expectFile(
    t.api(officer).GET('/api/v1/import-templates/{kind}', { params: { path: { kind } }, parseAs: 'arrayBuffer' }),
  );
  expect(res.headers['content-type']).toContain(XLSX);
  expect(res.headers['content-disposition']).toContain(`${kind}-template.xlsx`);
  return res.body as Buffer;
}

describe('import templates', () => {
  it('offers a template for every import, and 404 for an unknown one', async () => {
    const { default: ExcelJS } = await import('exceljs');
    for (const kind of ['households', 'groups', 'entities', 'fund-contributions', 'covered-loans', 'bank-statements', 'asset-income-results'] as const) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await template(kind)) as unknown as ArrayBuffer);
      expect(wb.worksheets).toHaveLength(2);
      expect(wb.worksheets[1].name).toBe('填写说明');
      const header = (wb.worksheets[0].getRow(1).values as unknown[]).slice(1) as string[];
      expect(header.every((h) => /\p{Script=Han}/u.test(h))).toBe(true);
    }
    // a kind that does not exist, on purpose
    await expectStatus(t.api(officer).GET('/api/v1/import-templates/{kind}', { params: { path: { kind: 'nothing' as never } } }), 404);
    await expectStatus(t.api().GET('/api/v1/import-templates/{kind}', { params: { path: { kind: 'households' } } }), 401);
  });

  it('imports the household template filled in and uploaded as XLSX, and the same rows saved as GBK CSV only once', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await template('households')) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(1).values as unknown[]).slice(1) as string[];
    const cell = (zh: string) => header.findIndex((h) => h.replace('*', '') === zh) + 1;
    const [a, b] = [idNumber(), idNumber()];
    const fill = (row: number, name: string, id: string, status: string) => {
      const r = ws.getRow(row);
      r.getCell(cell('村代码')).value = '370302106201';
      r.getCell(cell('户主姓名')).value = name;
      r.getCell(cell('身份证号码')).value = id;
      r.getCell(cell('家庭人口数')).value = 4;
      r.getCell(cell('人均纯收入')).value = 3200;
      r.getCell(cell('收入年度')).value = 2016;
      r.getCell(cell('贫困状态')).value = status;
    };
    fill(3, '王秀英', a, '贫困户');
    fill(4, '李建国', b, '');
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const upload = (body: Buffer, type: string, dryRun = false) =>
      expectStatus(
        t.api(officer).POST('/api/v1/households/import', {
          params: { query: dryRun ? { dryRun } : {} },
          ...fileBody(body, type, { 'Accept-Language': 'zh-CN' }),
        }),
        200,
      );

    const dry = await upload(xlsx, XLSX, true);
    expect(dry.body).toMatchObject({
      dryRun: true,
      format: 'XLSX',
      rows: 2,
      valid: 2,
      imported: 0,
      failed: 0,
    });
    const real = await upload(xlsx, XLSX);
    expect(real.body).toMatchObject({ dryRun: false, imported: 2, failed: 0 });

    // the same sheet "saved as CSV" by Excel on a Chinese Windows machine: GBK, CRLF, both header rows kept
    const lines: string[] = [];
    ws.eachRow((row) =>
      lines.push(
        (row.values as unknown[])
          .slice(1)
          .map((v) => (v === undefined || v === null ? '' : String(v)))
          .join(','),
      ),
    );
    const gbk = iconv.encode(lines.join('\r\n') + '\r\n', 'gbk');
    const again = await upload(gbk, 'text/csv');
    expect(again.body).toMatchObject({ encoding: 'GB18030', imported: 0, skipped: 2, failed: 0 });

    // a bad row: reported with its row, its column as the file names it, and the reason in Chinese
    const bad = iconv.encode(
      `${lines[0]}\r\n${lines[1]}\r\n370302106201,赵四,${idNumber().slice(0, 17)}Y,,0,abc,2016,已脱贫,,\r\n`,
      'gbk',
    );
    const refused = await upload(bad, 'text/csv');
    expect(refused.body).toMatchObject({ imported: 0, failed: 1 });
    expect(refused.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          row: 3,
          column: '*身份证号码',
          field: 'idNumber',
          message: '必须是 18 位居民身份证号码',
        }),
        expect.objectContaining({
          row: 3,
          column: '*家庭人口数',
          field: 'memberCount',
          message: '不能小于 1',
        }),
        expect.objectContaining({ row: 3, column: '*人均纯收入', field: 'perCapitaIncome' }),
      ]),
    );
  });

  it('forms joint-liability groups from the template as XLSX and as a GBK CSV, once, refusing a bad file whole', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = idNumber();
      ids.push(id);
      await expectStatus(
        t.api(officer).POST('/api/v1/households', {
          body: { villageId: '1', headName: `成员${i}`, idNumber: id, memberCount: 3, perCapitaIncome: '3000.00', incomeYear: 2016 },
        }),
        201,
      );
    }
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await template('groups')) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(1).values as unknown[]).slice(1) as string[];
    expect(header).toEqual(['*村代码', '*小组名称', '*成员身份证号码']);
    ws.getRow(3).values = ['370302106201', '东坪村第一联保小组', ids.slice(0, 3).join('、')];
    ws.getRow(4).values = ['370302106201', '东坪村第二联保小组', ids.slice(3, 6).join('，')];
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const upload = (body: Buffer, type: string, dryRun = false, lang = 'zh-CN') =>
      expectStatus(
        t.api(officer).POST('/api/v1/groups/import', {
          params: { query: dryRun ? { dryRun } : {} },
          ...fileBody(body, type, { 'Accept-Language': lang }),
        }),
        200,
      );
    const groups = () =>
      expectStatus(t.api(admin).GET('/api/v1/groups', { params: { query: { villageId: '1' } } }), 200);

    const dry = await upload(xlsx, XLSX, true);
    expect(dry.body).toMatchObject({ dryRun: true, format: 'XLSX', rows: 2, valid: 2, imported: 0, failed: 0 });
    const none = await groups();
    expect(none.body.total).toBe(0);

    // the same rows saved by Excel as GBK CSV, before the real run: a bad member makes the whole file fail
    const gbkOf = (rows: string[][]) => iconv.encode(rows.map((r) => r.map((c) => `"${c}"`).join(',')).join('\r\n') + '\r\n', 'gbk');
    const rows = [header, ['370302106201', '东坪村第一联保小组', ids.slice(0, 3).join('、')], ['370302106201', '东坪村第二联保小组', ids.slice(3, 6).join('，')]];
    const broken = gbkOf([...rows.slice(0, 2), ['370302106201', '东坪村第二联保小组', `${ids[3]}、${ids[0]}`]]);
    const refused = await upload(broken, 'text/csv');
    expect(refused.body).toMatchObject({ encoding: 'GB18030', imported: 0, failed: 1 });
    expect(refused.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ row: 3, column: '*成员身份证号码', field: 'memberIdNumbers', message: '重复（与第 2 行相同）' })]),
    );
    const english = await upload(broken, 'text/csv', false, 'en');
    expect(english.body.errors[0].message).toMatch(/row 2/);
    expect((await groups()).body.total).toBe(0);

    const real = await upload(xlsx, XLSX);
    expect(real.body).toMatchObject({ dryRun: false, imported: 2, failed: 0 });
    const again = await upload(gbkOf(rows), 'text/csv');
    expect(again.body).toMatchObject({ encoding: 'GB18030', imported: 0, skipped: 2, failed: 0 });
    const formed = await groups();
    expect(formed.body.items.map((g: { name: string; size: number }) => [g.name, g.size]).sort()).toEqual([
      ['东坪村第一联保小组', 3],
      ['东坪村第二联保小组', 3],
    ]);
  });

  it('registers operating entities and links their households from the template as XLSX and a GBK CSV, once', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = idNumber();
      ids.push(id);
      await expectStatus(
        t.api(officer).POST('/api/v1/households', {
          body: { villageId: '1', headName: `带动户${i}`, idNumber: id, memberCount: 2, perCapitaIncome: '2800.00', incomeYear: 2016 },
        }),
        201,
      );
    }
    const code = (n: number) => {
      const first17 = `93370302MA3CQ8X${String(n).padStart(2, '0')}`;
      return first17 + creditCodeCheckChar(first17);
    };
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await template('entities')) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(1).values as unknown[]).slice(1) as string[];
    expect(header).toEqual(['*主体类型', '*主体名称', '*统一社会信用代码', '*县区代码', '村代码', '带动农户身份证号码']);
    const rows = [
      ['农民专业合作社', '东坪果蔬专业合作社', code(11), '370302', '370302106201', `${ids[0]}、${ids[1]}`],
      ['家庭农场', '王家庄家庭农场', code(12), '370302', '', ids[2]],
    ];
    rows.forEach((r, i) => (ws.getRow(3 + i).values = r));
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const gbkOf = (table: string[][]) => iconv.encode(table.map((r) => r.map((c) => `"${c}"`).join(',')).join('\r\n') + '\r\n', 'gbk');
    const upload = (body: Buffer, type: string, dryRun = false) =>
      expectStatus(
        t.api(officer).POST('/api/v1/entities/import', {
          params: { query: dryRun ? { dryRun } : {} },
          ...fileBody(body, type, { 'Accept-Language': 'zh-CN' }),
        }),
        200,
      );
    const count = async () =>
      (await expectStatus(t.api(admin).GET('/api/v1/entities', { params: { query: { districtId: '1' } } }), 200)).body
        .total as number;
    const before = await count();

    const dry = await upload(xlsx, XLSX, true);
    expect(dry.body).toMatchObject({ dryRun: true, format: 'XLSX', rows: 2, valid: 2, imported: 0, failed: 0 });
    const bad = await upload(gbkOf([header, rows[0], ['合伙企业', '', code(13), '370399', '', '110101199001011234']]), 'text/csv');
    expect(bad.body).toMatchObject({ encoding: 'GB18030', imported: 0, failed: 1 });
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 3, column: '*主体类型', field: 'kind' }),
        expect.objectContaining({ row: 3, column: '*主体名称', field: 'name', message: '必填' }),
        expect.objectContaining({ row: 3, column: '*县区代码', field: 'districtCode', message: '县（区）不存在' }),
        expect.objectContaining({ row: 3, column: '带动农户身份证号码', field: 'linkedIdNumbers', message: '农户不存在' }),
      ]),
    );
    expect(await count()).toBe(before);

    const real = await upload(xlsx, XLSX);
    expect(real.body).toMatchObject({ imported: 2, failed: 0 });
    const again = await upload(gbkOf([header, ...rows]), 'text/csv');
    expect(again.body).toMatchObject({ encoding: 'GB18030', imported: 0, skipped: 2, failed: 0 });
    expect(await count()).toBe(before + 2);
    const coop = await expectStatus(t.api(admin).GET('/api/v1/entities', { params: { query: { creditCode: code(11) } } }), 200);
    expect(coop.body.items[0]).toMatchObject({ kind: 'COOPERATIVE', linkedHouseholdCount: 2, linkedPoorCount: 2 });
  });
});
