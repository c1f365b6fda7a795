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

describe('CSV household import', () => {
  it('imports good rows, reports bad ones by line and field, and keeps going', async () => {
    const [ok1, ok2, ok3] = [newIdNumber(), newIdNumber(), newIdNumber()];
    const bad = newIdNumber();
    const badCheck = bad.slice(0, 17) + (bad[17] === '1' ? '2' : '1');
    const v = p.villageCodes[0];
    const csv = [
      HEADER,
      `${v},王一,${ok1},13905331234,4,3200.00,2016,,,`, // line 2: POOR
      `${v},李二,${badCheck},,3,3200.00,2016,,,`, // line 3: bad check character
      `${v},张三,${ok2},12345,0,32.001,2016,,,`, // line 4: phone, memberCount, income
      '',
      `999999999999,赵四,${ok3},,3,3200.00,2016,,,`, // line 6: unknown village
      `${p.villageCodes[1]},刘五,${ok3.toLowerCase()},,2,"4,000.00",2016,POOR,,`, // line 7: bad money format
      `${p.villageCodes[1]},刘五,${ok3},,2,4000.00,2016,POOR,,`, // line 8: override without reason
      `${p.villageCodes[1]},刘五,${ok3},,2,4000.00,2016,POOR,,"illness, confirmed"`, // line 9: ok (override)
      `${v},王一,${ok1},,4,3200.00,2016,,,`, // line 10: duplicate of line 2
      `${v},缺列,${newIdNumber()},,4`, // line 11: too few fields
    ].join('\r\n');
    const before = await households();
    const result = await r.importer.importCsv(stream(`\ufeff${csv}\r\n`));
    expect(result.imported).toBe(2);
    expect(result.failed).toBe(7);
    expect(result.errorsTruncated).toBe(false);
    const byLine = (line: number) => result.errors.filter((e) => e.line === line).map((e) => `${e.field}:${e.code}`).sort();
    expect(byLine(2)).toEqual([]);
    expect(byLine(3)).toEqual(['idNumber:isResidentId']);
    expect(byLine(4)).toEqual(['memberCount:min', 'perCapitaIncome:isYuan', 'phone:matches']);
    expect(byLine(6)).toEqual(['villageCode:UNKNOWN_VILLAGE']);
    expect(byLine(7)).toEqual(['perCapitaIncome:isYuan']);
    expect(byLine(8)).toEqual(['overrideReason:OVERRIDE_REASON_REQUIRED']);
    expect(byLine(9)).toEqual([]);
    expect(byLine(10)).toEqual(['idNumber:DUPLICATE']);
    expect(byLine(11)).toEqual([':CSV_FIELD_COUNT']);
    expect(await households()).toBe(before + 2);
    expect(await r.households.findByIdNumber(ok3)).toMatchObject({ status: 'POOR', derivedStatus: 'NON_POOR', statusOverrideReason: 'illness, confirmed' });
    // no ID number is echoed in the report
    expect(JSON.stringify(result)).not.toContain(badCheck);

    // a second run of the same file writes nothing and reports the registered rows as duplicates
    const again = await r.importer.importCsv(stream(`${csv}\n`));
    expect(again.imported).toBe(0);
    expect(again.errors.filter((e) => e.code === 'DUPLICATE').map((e) => e.line)).toEqual([2, 9, 10]);
    expect(await households()).toBe(before + 2);
    const audit = await db.dataSource.query(`SELECT after FROM audit_log WHERE action = 'HOUSEHOLDS_IMPORTED' ORDER BY id`);
    expect(audit.map((a: { after: unknown }) => a.after)).toEqual([{ imported: 2, failed: 7 }, { imported: 0, failed: 9 }]);
  });

  it('accepts columns in any order and without the optional ones', async () => {
    const id = newIdNumber();
    const csv = `incomeYear,idNumber,villageCode,headName,perCapitaIncome,memberCount\n2019,${id},${p.villageCodes[0]},孙六,9000,5\n`;
    expect(await r.importer.importCsv(stream(csv, 3))).toEqual({ imported: 1, failed: 0, errors: [], errorsTruncated: false });
    expect(await r.households.findByIdNumber(id)).toMatchObject({ status: 'NON_POOR', phone: null, memberCount: 5 });
  });

  it('refuses rows of a file that is not UTF-8 instead of registering garbled names', async () => {
    const id = newIdNumber();
    // "王" in GBK is CD F5: not valid UTF-8
    const row = Buffer.concat([Buffer.from(`${HEADER}\n${p.villageCodes[0]},`), Buffer.from([0xcd, 0xf5]), Buffer.from(`,${id},,3,1.00,2016,,,\n`)]);
    const result = await r.importer.importCsv(Readable.from([row]));
    expect(result).toMatchObject({ imported: 0, failed: 1, errors: [{ line: 2, field: 'headName', code: 'CSV_NOT_UTF8' }] });
    expect(await r.households.findByIdNumber(id)).toBeUndefined();
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

  it('reports a malformed record on its line, imports the rows around it, and never half-writes one', async () => {
    const [a, b, c] = [newIdNumber(), newIdNumber(), newIdNumber()];
    const v = p.villageCodes[0];
    const csv = `${HEADER}\n${v},好,${a},,3,1.00,2016,,,\n${v},"bad"quote",${newIdNumber()},,3,1.00,2016,,,\n${v},也好,${b},,3,1.00,2016,,,\n`;
    const result = await r.importer.importCsv(stream(csv));
    expect(result).toMatchObject({ imported: 2, failed: 1, errors: [expect.objectContaining({ line: 3, code: 'CSV_MALFORMED' })] });
    // an unbalanced quote swallows the rest of the file into one bad record: reported, nothing after it written
    const tail = `${HEADER}\n${v},好,${c},,3,1.00,2016,,,\n${v},"bad"quote,${newIdNumber()},,3,1.00,2016,,,\n${v},也好,${newIdNumber()},,3,1.00,2016,,,\n`;
    const swallowed = await r.importer.importCsv(stream(tail));
    expect(swallowed.imported).toBe(1);
    expect(swallowed.errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'CSV_MALFORMED'],
      [4, 'CSV_MALFORMED'],
    ]);
    expect(await r.households.findByIdNumber(c)).toBeDefined();
  });

  it('caps the reported errors and the rows read', async () => {
    const rows = Array.from({ length: 6 }, () => `${p.villageCodes[0]},x,notanid,,3,1.00,2016,,,`);
    const capped = await r.importer.importCsv(stream([HEADER, ...rows].join('\n')), { maxReportedErrors: 4 });
    expect(capped).toMatchObject({ imported: 0, failed: 6, errorsTruncated: true });
    expect(capped.errors).toHaveLength(4);
    const limited = await r.importer.importCsv(stream([HEADER, ...rows].join('\n')), { maxRows: 2 });
    expect(limited.failed).toBe(3);
    expect(limited.errors.at(-1)).toMatchObject({ line: 4, code: 'IMPORT_TOO_LARGE' });
  });
});
