import { Readable } from 'node:stream';
import { DomainError } from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { cityLines, newIdNumber, place, registry, type Place, type Registry } from './fixtures.js';

let db: TestDatabase;
let r: Registry;
let p: Place;

beforeAll(async () => {
  db = await createTestDatabase(10);
  r = registry(db);
  await cityLines(r);
  p = await place(r, 2);
});
afterAll(async () => db.drop());

const HEADER = 'villageCode,headName,idNumber,phone,memberCount,perCapitaIncome,incomeYear,status,graduatedYear,overrideReason';
/** Streams the text in small pieces that cut through lines, as a network upload would arrive. */
const stream = (text: string, piece = 7) => Readable.from(Array.from({ length: Math.ceil(text.length / piece) }, (_, i) => text.slice(i * piece, (i + 1) * piece)));
const households = async () => Number((await db.dataSource.query(`SELECT count(*) AS n FROM households`))[0].n);

describe('household import (one reader: CSV UTF-8/GBK or XLSX, Chinese or English headers)', () => {
  it('checks every row, reports every bad one by row, column and reason, and writes nothing unless all pass', async () => {
    const [ok1, ok2, ok3] = [newIdNumber(), newIdNumber(), newIdNumber()];
    const bad = newIdNumber();
    const badCheck = bad.slice(0, 17) + (bad[17] === '1' ? '2' : '1');
    const v = p.villageCodes[0];
    const csv = [
      HEADER,
      `${v},王一,${ok1},13905331234,4,3200.00,2016,,,`, // row 2: POOR
      `${v},李二,${badCheck},,3,3200.00,2016,,,`, // row 3: bad check character
      `${v},张三,${ok2},12345,0,32.001,2016,,,`, // row 4: phone, memberCount, income
      '',
      `999999999999,赵四,${ok3},,3,3200.00,2016,,,`, // row 6: unknown village
      `${p.villageCodes[1]},刘五,${ok3.toLowerCase()},,2,"4,000.00",2016,POOR,,`, // row 7: bad money format, the ID number of row 6
      `${p.villageCodes[1]},刘五,${newIdNumber()},,2,4000.00,2016,POOR,,`, // row 8: override without reason
      `${p.villageCodes[1]},刘五,${newIdNumber()},,2,4000.00,2016,贫困户,,"illness, confirmed"`, // row 9: ok (override, Chinese label)
      `${v},王一,${ok1},,4,3200.00,2016,,,`, // row 10: duplicate of row 2
      `${v},缺列,${newIdNumber()},,`, // row 11: required cells missing
    ].join('\r\n');
    const before = await households();
    const result = await r.importer.importCsv(stream(`\ufeff${csv}\r\n`));
    expect(result).toMatchObject({ dryRun: false, format: 'CSV', encoding: 'UTF-8', rows: 9, valid: 2, imported: 0, skipped: 0, failed: 7 });
    const byRow = (row: number) => result.errors.filter((e) => e.row === row).map((e) => `${e.field}:${e.code}`).sort();
    expect(byRow(2)).toEqual([]);
    expect(byRow(3)).toEqual(['idNumber:isResidentId']);
    expect(byRow(4)).toEqual(['memberCount:min', 'perCapitaIncome:isYuan', 'phone:matches']);
    expect(byRow(6)).toEqual(['villageCode:UNKNOWN_VILLAGE']);
    expect(byRow(7)).toEqual(['idNumber:DUPLICATE', 'perCapitaIncome:isYuan']);
    expect(byRow(8)).toEqual(['overrideReason:OVERRIDE_REASON_REQUIRED']);
    expect(byRow(9)).toEqual([]);
    expect(byRow(10)).toEqual(['idNumber:DUPLICATE']);
    expect(byRow(11)).toEqual(['incomeYear:REQUIRED', 'memberCount:REQUIRED', 'perCapitaIncome:REQUIRED']);
    expect(result.errors.find((e) => e.row === 3)).toMatchObject({ column: 'idNumber' });
    // nothing written: not even the valid rows, nor their audit
    expect(await households()).toBe(before);
    expect(await r.households.findByIdNumber(ok1)).toBeUndefined();
    // no ID number is echoed in the report
    expect(JSON.stringify(result)).not.toContain(badCheck);
  });

  it('registers a whole valid file once: a dry run writes nothing, the same file again is skipped', async () => {
    const [a, b] = [newIdNumber(), newIdNumber()];
    const csv = `${HEADER}\n${p.villageCodes[0]},王一,${a},,4,3200.00,2016,,,\n${p.villageCodes[1]},李二,${b},,3,9000.00,2016,,,\n`;
    const before = await households();
    const dry = await r.importer.importCsv(stream(csv), { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, rows: 2, valid: 2, imported: 0, failed: 0, errors: [] });
    expect(await households()).toBe(before);
    const real = await r.importer.importCsv(stream(csv));
    expect(real).toMatchObject({ dryRun: false, valid: 2, imported: 2, skipped: 0, failed: 0 });
    expect(await households()).toBe(before + 2);
    const again = await r.importer.importCsv(stream(csv));
    expect(again).toMatchObject({ imported: 0, skipped: 2, failed: 0 });
    expect(await households()).toBe(before + 2);
    const audit = await db.dataSource.query(`SELECT after FROM audit_log WHERE action = 'HOUSEHOLDS_IMPORTED' ORDER BY id`);
    expect(audit.map((x: { after: { imported: number; skipped: number } }) => [x.after.imported, x.after.skipped])).toEqual([
      [2, 0],
      [0, 2],
    ]);
  });

  it('reads the template filled in Excel and saved as GBK CSV: Chinese headers and status labels', async () => {
    const { default: iconv } = await import('iconv-lite');
    const id = newIdNumber();
    const text = `村代码,户主姓名,身份证号码,联系电话,家庭人口数,人均纯收入（元）,收入年度,贫困状态,脱贫年度,例外原因\r\n${p.villageCodes[0]},孙六,${id},,5,9000,2019,,,\r\n`;
    const result = await r.importer.importCsv(iconv.encode(text, 'gbk'));
    expect(result).toMatchObject({ encoding: 'GB18030', imported: 1, failed: 0 });
    expect(await r.households.findByIdNumber(id)).toMatchObject({ headName: '孙六', status: 'NON_POOR', phone: null, memberCount: 5 });
  });

  it('reads an XLSX workbook with the English key row under the Chinese headers', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const id = newIdNumber();
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('农户');
    ws.addRow(['村代码', '户主姓名', '身份证号码', '家庭人口数', '人均纯收入', '收入年度']);
    ws.addRow(['villageCode', 'headName', 'idNumber', 'memberCount', 'perCapitaIncome', 'incomeYear']);
    ws.addRow([p.villageCodes[0], '周七', id, 3, 2100.5, 2016]);
    const result = await r.importer.importCsv(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(result).toMatchObject({ format: 'XLSX', imported: 1, failed: 0 });
    expect(await r.households.findByIdNumber(id)).toMatchObject({ headName: '周七', memberCount: 3, perCapitaIncomeFen: 210050n });
  });

  it('refuses a wrong header before importing anything', async () => {
    const before = await households();
    const e = (await r.importer
      .importCsv(stream(`villageCode,name,idNumber,perCapitaIncome,incomeYear,idNumber\n${p.villageCodes[0]},x,${newIdNumber()},1,2016,\n`))
      .catch((x: unknown) => x)) as DomainError;
    expect(e).toBeInstanceOf(DomainError);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.errors.map((x) => x.code).sort()).toEqual(['CSV_DUPLICATE_COLUMN', 'CSV_MISSING_COLUMN', 'CSV_MISSING_COLUMN', 'CSV_UNKNOWN_COLUMN']);
    expect(await households()).toBe(before);
    expect(((await r.importer.importCsv(stream('')).catch((x: unknown) => x)) as DomainError).errors[0].code).toBe('CSV_EMPTY');
  });

  it('refuses a file with an unbalanced quote as a whole, naming the line', async () => {
    const v = p.villageCodes[0];
    const csv = `${HEADER}\n${v},好,${newIdNumber()},,3,1.00,2016,,,\n${v},"bad"quote",${newIdNumber()},,3,1.00,2016,,,\n`;
    const before = await households();
    const e = (await r.importer.importCsv(stream(csv)).catch((x: unknown) => x)) as DomainError;
    expect(e).toBeInstanceOf(DomainError);
    expect(e.errors[0].code).toBe('CSV_SYNTAX');
    expect(await households()).toBe(before);
  });

  it('caps the reported errors and the rows read', async () => {
    const rows = Array.from({ length: 6 }, () => `${p.villageCodes[0]},x,notanid,,3,1.00,2016,,,`);
    const capped = await r.importer.importCsv(stream([HEADER, ...rows].join('\n')), { maxReportedErrors: 4 });
    expect(capped).toMatchObject({ imported: 0, failed: 6, errorsTruncated: true });
    expect(capped.errors).toHaveLength(4);
    const limited = (await r.importer.importCsv(stream([HEADER, ...rows].join('\n')), { maxRows: 2 }).catch((x: unknown) => x)) as DomainError;
    expect(limited.errors[0]).toMatchObject({ code: 'CSV_TOO_LONG' });
  });
});
