import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { enumValue, headerKey, mapColumns, type ColumnSpec } from './columns.js';
import { decodeSheetText, SheetFileError } from './decoder.js';
import { excelSerialDate, localizeRowErrors, readSheet, rowErrors } from './read.js';
import { splitList } from './import.js';
import { importTemplate } from './template.js';

type K = 'villageCode' | 'headName' | 'memberCount' | 'status' | 'perCapitaIncome';
const SPECS: ColumnSpec<K>[] = [
  { key: 'villageCode', zh: '村代码', en: 'Village code', required: true },
  { key: 'headName', zh: '户主姓名', en: 'Head of household', required: true },
  { key: 'memberCount', zh: '家庭人口', en: 'Members', required: true, kind: 'integer' },
  { key: 'perCapitaIncome', zh: '人均纯收入', en: 'Per-capita income', required: true, kind: 'money' },
  {
    key: 'status',
    zh: '贫困状态',
    en: 'Status',
    kind: 'enum',
    options: [
      { value: 'POOR', zh: '贫困户' },
      { value: 'GRADUATED', zh: '已脱贫' },
    ],
  },
];
const ZH_CSV =
  '村代码,户主姓名,家庭人口,人均纯收入（元）,贫困状态\r\n370302106201,王秀英,4,3200.00,贫困户\r\n370302106201,李明,3,5200.50,\r\n';

describe('decodeSheetText: the uploads’ one decoder', () => {
  it('reads UTF-8 with and without BOM and GBK as the same text', () => {
    const utf8 = Buffer.from(ZH_CSV, 'utf8');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    const gbk = iconv.encode(ZH_CSV, 'gbk');
    expect(decodeSheetText(utf8)).toEqual({ text: ZH_CSV, encoding: 'UTF-8' });
    expect(decodeSheetText(bom)).toEqual({ text: ZH_CSV, encoding: 'UTF-8' });
    expect(decodeSheetText(gbk)).toEqual({ text: ZH_CSV, encoding: 'GB18030' });
    expect(decodeSheetText(iconv.encode(ZH_CSV, 'gb18030'), 'GB18030').text).toBe(ZH_CSV);
  });

  it('refuses bytes that are no text in the chosen encoding, naming the line', () => {
    const bad = Buffer.concat([Buffer.from('a,b\r\nc,d\r\n', 'utf8'), Buffer.from([0xff, 0xff, 0x0d, 0x0a])]);
    expect(() => decodeSheetText(bad, 'UTF-8')).toThrow(SheetFileError);
    try {
      decodeSheetText(bad, 'UTF-8');
    } catch (e) {
      expect((e as SheetFileError).detail).toBe('line 3 is not valid UTF-8');
    }
  });
});

describe('mapColumns: the one header mapper', () => {
  it('maps Chinese, English labels, keys and snake_case to the same fields, in any order', () => {
    expect(headerKey('人均纯收入（元）')).toBe(headerKey('人均纯收入'));
    expect(headerKey('*Village Code')).toBe(headerKey('village_code'));
    for (const header of [
      ['户主姓名', '村代码', '家庭人口', '人均纯收入(元)'],
      ['headName', 'villageCode', 'memberCount', 'perCapitaIncome'],
      ['Head of household', 'VILLAGE_CODE', 'members', 'per-capita income'],
    ]) {
      const m = mapColumns(header, SPECS);
      expect(m.ok, header.join()).toBe(true);
      if (m.ok)
        expect(m.map.index).toEqual({ headName: 0, villageCode: 1, memberCount: 2, perCapitaIncome: 3 });
    }
  });

  it('names every missing, doubled and unknown column at once', () => {
    const m = mapColumns(['户主姓名', 'headName', '备注'], SPECS);
    expect(m.ok).toBe(false);
    if (m.ok) return;
    expect(m.errors.map((e) => e.code).sort()).toEqual([
      'CSV_DUPLICATE_COLUMN',
      'CSV_MISSING_COLUMN',
      'CSV_MISSING_COLUMN',
      'CSV_MISSING_COLUMN',
      'CSV_UNKNOWN_COLUMN',
    ]);
    expect(
      mapColumns(['户主姓名', '村代码', '家庭人口', '人均纯收入', '备注'], SPECS, { unknown: 'ignore' }).ok,
    ).toBe(true);
  });

  it('reads an enumeration cell as its code or its Chinese label', () => {
    expect(enumValue(SPECS[4], '已脱贫')).toBe('GRADUATED');
    expect(enumValue(SPECS[4], 'poor')).toBe('POOR');
    expect(enumValue(SPECS[4], '脱贫')).toBeUndefined();
  });
});

describe('readSheet', () => {
  it('reads a GBK CSV with Chinese headers into rows by field, numbered as Excel shows them', async () => {
    const t = await readSheet(iconv.encode(ZH_CSV, 'gbk'), SPECS);
    expect(t.format).toBe('CSV');
    expect(t.encoding).toBe('GB18030');
    expect(t.rows).toEqual([
      {
        rowNo: 2,
        values: {
          villageCode: '370302106201',
          headName: '王秀英',
          memberCount: '4',
          perCapitaIncome: '3200.00',
          status: '贫困户',
        },
      },
      {
        rowNo: 3,
        values: {
          villageCode: '370302106201',
          headName: '李明',
          memberCount: '3',
          perCapitaIncome: '5200.50',
          status: '',
        },
      },
    ]);
  });

  it('reads an XLSX with the template’s English key row, skipping the instructions sheet and blank rows', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('填写说明').addRow(['说明']);
    const ws = wb.addWorksheet('数据');
    ws.addRow(['村代码', '户主姓名', '家庭人口', '人均纯收入（元）']);
    ws.addRow(['villageCode', 'headName', 'memberCount', 'perCapitaIncome']);
    ws.addRow([370302106201, '王秀英', 4, 3200]);
    ws.addRow([]);
    ws.addRow(['370302106201', { richText: [{ text: '李' }, { text: '明' }] }, 3, 5200.5]);
    const t = await readSheet(Buffer.from(await wb.xlsx.writeBuffer()), SPECS);
    expect(t.format).toBe('XLSX');
    expect(
      t.rows.map((r) => [r.rowNo, r.values.headName, r.values.villageCode, r.values.perCapitaIncome]),
    ).toEqual([
      [3, '王秀英', '370302106201', '3200'],
      [5, '李明', '370302106201', '5200.5'],
    ]);
  });

  it('refuses a file without the template’s header, nothing read', async () => {
    await expect(readSheet(Buffer.from('a,b\r\n1,2\r\n'), SPECS)).rejects.toBeInstanceOf(SheetFileError);
    await expect(readSheet(Buffer.from(''), SPECS)).rejects.toMatchObject({
      errors: [expect.objectContaining({ code: 'CSV_EMPTY' })],
    });
  });

  it('reports a row error by row and by the column as the file names it, in the caller’s language', async () => {
    const t = await readSheet(Buffer.from(ZH_CSV), SPECS);
    const errors = rowErrors(
      2,
      [{ field: 'perCapitaIncome', code: 'isYuan', message: 'perCapitaIncome must be yuan' }],
      t,
      SPECS,
    );
    expect(errors).toEqual([
      {
        row: 2,
        column: '人均纯收入（元）',
        field: 'perCapitaIncome',
        code: 'isYuan',
        message: 'perCapitaIncome must be yuan',
      },
    ]);
    expect(localizeRowErrors(errors, 'zh-CN')[0].message).toMatch(/金额/);
    expect(localizeRowErrors(errors, 'en')[0].message).toBe('perCapitaIncome must be yuan');
  });
});

describe('importTemplate', () => {
  it('writes Chinese headers, the key row, drop-down lists and instructions; filled in, it reads back as data', async () => {
    const buf = await importTemplate(SPECS, { sheetName: '农户信息', title: '农户信息导入模板', rows: 50 });
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['农户信息', '填写说明']);
    const ws = wb.getWorksheet('农户信息')!;
    expect(ws.getRow(1).values).toEqual([
      undefined,
      '*村代码',
      '*户主姓名',
      '*家庭人口',
      '*人均纯收入',
      '贫困状态',
    ]);
    expect(ws.getRow(2).values).toEqual([
      undefined,
      'villageCode',
      'headName',
      'memberCount',
      'perCapitaIncome',
      'status',
    ]);
    expect(ws.getCell('E3').dataValidation).toMatchObject({ type: 'list', formulae: ['"贫困户,已脱贫"'] });
    expect(ws.getCell('C10').dataValidation).toMatchObject({ type: 'whole' });
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    const help = wb.getWorksheet('填写说明')!;
    const text = help.getSheetValues().flat().join(' ');
    expect(text).toContain('户主姓名');
    expect(text).toContain('贫困户（POOR）');
    // an empty template is a header without rows; filled in Excel, its row reads back by field
    expect((await readSheet(buf, SPECS)).rows).toEqual([]);
    ws.getRow(3).values = ['370302106201', '王秀英', 4, 3200, '已脱贫'];
    const filled = await readSheet(Buffer.from(await wb.xlsx.writeBuffer()), SPECS);
    expect(filled.rows).toEqual([
      {
        rowNo: 3,
        values: {
          villageCode: '370302106201',
          headName: '王秀英',
          memberCount: '4',
          perCapitaIncome: '3200',
          status: '已脱贫',
        },
      },
    ]);
  });
});

describe('cells of the bulk imports', () => {
  it('reads a date Excel kept as its serial day number, and leaves other text alone', () => {
    expect(excelSerialDate('46162')).toBe('2026-05-20');
    expect(excelSerialDate('36526')).toBe('2000-01-01');
    expect(excelSerialDate('2026-05-20')).toBe('2026-05-20');
    expect(excelSerialDate('12345')).toBe('12345');
    expect(excelSerialDate('')).toBe('');
  });

  it('splits a cell listing ID numbers at the separators an office types', () => {
    expect(splitList('370302198503150027、37030219720708151X，370302196911020013; 1 2/3')).toEqual([
      '370302198503150027',
      '37030219720708151X',
      '370302196911020013',
      '1',
      '2',
      '3',
    ]);
    expect(splitList('  ')).toEqual([]);
  });
});
