import ExcelJS from 'exceljs';
import { csvCell, csvFile, tablesToCsv, tablesToXlsx, type ExportTable } from './table-export.js';

describe('csvCell', () => {
  it('leaves plain text, numbers and Chinese as they are, null and booleans as text', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('张三')).toBe('张三');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(null)).toBe('');
    expect(csvCell('')).toBe('');
  });

  it('quotes cells holding commas, quotes or line breaks, doubling the quotes (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('张三,李四')).toBe('"张三,李四"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('借款人 "王"')).toBe('"借款人 ""王"""');
    expect(csvCell('line1\nline2')).toBe('"line1\nline2"');
    expect(csvCell('a\r\nb')).toBe('"a\r\nb"');
  });

  it('prefixes text a spreadsheet would run as a formula, but not negative amounts', () => {
    expect(csvCell('=SUM(A1:A9)')).toBe("'=SUM(A1:A9)");
    expect(csvCell('+86 138')).toBe("'+86 138");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@me')).toBe("'@me");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell('=1,2')).toBe(`"'=1,2"`);
    expect(csvCell('-12.30')).toBe('-12.30');
    expect(csvCell('-5')).toBe('-5');
    expect(csvCell(-5)).toBe('-5');
  });
});

const tables: ExportTable[] = [
  { name: '汇总 Summary', columns: ['项目 (Field)', '值 (Value)'], rows: [['合计, total', '1.00']] },
  {
    name: '明细: Lines [a]/b*c?d\\e — a long name cut to 31',
    columns: ['借款人 (Borrower)', '金额 (Amount)', '天数 (Days)'],
    moneyColumns: ['金额 (Amount)'],
    rows: [
      ['张三', '1234.50', 30],
      ['=HYPERLINK("x")', '-0.05', null],
      ['李四', 'n/a', 1],
    ],
  },
];

describe('tablesToCsv', () => {
  it('writes a UTF-8 BOM, CRLF lines, each table as its name, header and rows with an empty line between', () => {
    expect(csvFile(['a', 'b']).toString('utf8')).toBe('\uFEFFa\r\nb\r\n');
    expect(tablesToCsv(tables).toString('utf8')).toBe(
      '\uFEFF' +
        [
          '汇总 Summary',
          '项目 (Field),值 (Value)',
          '"合计, total",1.00',
          '',
          '明细: Lines [a]/b*c?d\\e — a long name cut to 31',
          '借款人 (Borrower),金额 (Amount),天数 (Days)',
          '张三,1234.50,30',
          `"'=HYPERLINK(""x"")",-0.05,`,
          '李四,n/a,1',
        ].join('\r\n') +
        '\r\n',
    );
  });

  it('starts with a title line when given and leaves table names out when asked', () => {
    const csv = tablesToCsv(tables.slice(0, 1), { title: '报告 2024-05', tableNames: false }).toString(
      'utf8',
    );
    expect(csv).toBe('\uFEFF报告 2024-05\r\n\r\n项目 (Field),值 (Value)\r\n"合计, total",1.00\r\n');
    expect(tablesToCsv([]).toString('utf8')).toBe('\uFEFF\r\n');
  });
});

describe('tablesToXlsx', () => {
  async function load(buf: Buffer) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    return wb;
  }

  it('writes one sheet per table: safe names, bold header, money columns as formatted numbers, text as text', async () => {
    const wb = await load(await tablesToXlsx(tables, { columnWidth: 16, freezeHeader: true }));
    expect(wb.creator).toBe('mutual-aid-engine');
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总 Summary', '明细  Lines  a  b c d e — a long ']);
    const ws = wb.worksheets[1];
    expect(ws.getRow(1).font?.bold).toBe(true);
    expect(ws.getCell('A2').value).toBe('张三');
    expect(ws.getCell('B2').value).toBe(1234.5);
    expect(ws.getCell('B2').numFmt).toBe('#,##0.00');
    expect(ws.getCell('B3').value).toBe(-0.05);
    expect(ws.getCell('B4').value).toBe('n/a');
    expect(ws.getCell('C2').value).toBe(30);
    expect(ws.getCell('A3').value).toBe('=HYPERLINK("x")'); // a string cell, never a formula
    expect(ws.getCell('A3').type).toBe(ExcelJS.ValueType.String);
    expect(wb.worksheets[0].getCell('B2').value).toBe('1.00'); // not a money column: exact text
    expect(ws.getColumn(1).width).toBe(16);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  it('leaves the header unfrozen when asked', async () => {
    const wb = await load(await tablesToXlsx(tables, { columnWidth: 18, freezeHeader: false }));
    expect(wb.worksheets[1].getColumn(2).width).toBe(18);
    expect(wb.worksheets[1].views ?? []).toEqual([]);
  });

  it('writes ratio and score columns as number cells with fixed decimals, filters on every header, and the report’s meta', async () => {
    const t: ExportTable = {
      name: '区县 (Districts)',
      columns: ['区县 (District)', '放大倍数 (Leverage ratio)', '不良率% (NPL ratio %)', '得分 (Score)'],
      numberColumns: ['放大倍数 (Leverage ratio)', '不良率% (NPL ratio %)', '得分 (Score)'],
      rows: [
        ['博山区', '4.35', '1.2500', '88'],
        ['淄川区', '10.00', null, '-'],
      ],
    };
    const buf = await tablesToXlsx([t], {
      columnWidth: 18,
      freezeHeader: true,
      title: '月度报告 2026-03',
      meta: { asOfDate: '2026-03-31', version: 2 },
    });
    const wb = await load(buf);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['区县 (Districts)', '报表信息 (About)']);
    expect(wb.worksheets[1].getSheetValues().flat()).toEqual(
      expect.arrayContaining(['月度报告 2026-03', '截至日期 (As of)', '2026-03-31', '版本 (Version)', '2']),
    );
    const ws = wb.worksheets[0];
    expect(ws.getCell('B2').value).toBe(4.35);
    expect(ws.getCell('B2').numFmt).toBe('0.00');
    expect(ws.getCell('C2').value).toBe(1.25);
    expect(ws.getCell('C2').numFmt).toBe('0.0000');
    expect(ws.getCell('D2').value).toBe(88);
    expect(ws.getCell('D2').numFmt).toBe('0');
    expect(ws.getCell('D3').value).toBe('-');
    expect(ws.autoFilter).toBe('A1:D1');
    const csv = tablesToCsv([t], {
      title: '月度报告 2026-03',
      meta: { asOfDate: '2026-03-31', version: 2 },
    }).toString('utf8');
    expect(csv.split('\r\n').slice(0, 3)).toEqual([
      '\uFEFF月度报告 2026-03',
      '截至日期 (As of),2026-03-31',
      '版本 (Version),2',
    ]);
  });

  it('formats each row’s figures by the row’s own number format when the rows hold different kinds, and writes further meta lines', async () => {
    const t: ExportTable = {
      name: 'bands',
      columns: ['figure', 'P10', 'P50'],
      numberColumns: ['P10', 'P50'],
      rowNumberFormats: ['#,##0.00', '0', '0.0000', undefined],
      rows: [
        ['cash', '1234.50', '600000.00'],
        ['households', '12', '15'],
        ['leverage', '0.1250', '1.0000'],
        ['other', '1.5', 'n/a'],
      ],
    };
    const meta = { asOfDate: '2026-03-31', version: 2, more: [['场景 (Scenario)', 'baseline'], ['随机种子 (Seed)', '7']] as const };
    const wb = await load(await tablesToXlsx([t], { columnWidth: 12, freezeHeader: true, meta }));
    const ws = wb.worksheets[0];
    expect([ws.getCell('B2').value, ws.getCell('B2').numFmt, ws.getCell('C2').numFmt]).toEqual([1234.5, '#,##0.00', '#,##0.00']);
    expect([ws.getCell('B3').value, ws.getCell('B3').numFmt]).toEqual([12, '0']);
    expect([ws.getCell('C4').value, ws.getCell('C4').numFmt]).toEqual([1, '0.0000']);
    // no row format: the column's (its values' most decimals)
    expect([ws.getCell('B5').value, ws.getCell('B5').numFmt]).toEqual([1.5, '0.0000']);
    expect(ws.getCell('C5').value).toBe('n/a');
    expect(wb.worksheets[1].getSheetValues().flat()).toEqual(expect.arrayContaining(['场景 (Scenario)', 'baseline', '随机种子 (Seed)', '7']));
    const csv = tablesToCsv([t], { meta }).toString('utf8').split('\r\n');
    expect(csv.slice(0, 4)).toEqual(['\uFEFF截至日期 (As of),2026-03-31', '版本 (Version),2', '场景 (Scenario),baseline', '随机种子 (Seed),7']);
  });
});
