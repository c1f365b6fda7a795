import type { ColumnSpec } from './columns.js';

export interface TemplateOptions {
  /** the data sheet's name, e.g. 农户信息 */
  sheetName: string;
  /** the instructions sheet's title line, e.g. 农户信息导入模板 */
  title: string;
  /** lines of what the import does with the file (Chinese), after the general ones */
  notes?: string[];
  /** rows given data validation (enumeration lists, whole numbers, amounts) */
  rows?: number;
}

const KIND_LABEL: Record<string, string> = {
  text: '文本',
  integer: '整数',
  money: '金额（元，最多两位小数）',
  date: '日期（YYYY-MM-DD）',
  percent: '百分比数值',
  enum: '从下拉列表选择',
};

const GENERAL_NOTES = [
  '1. 在“数据”工作表第 3 行起逐行填写，第 1 行为中文列名，第 2 行为系统字段名（灰色），两行都不要修改或删除。',
  '2. 带 * 的列为必填；列的顺序可以调整，不需要的可选列可以删除。',
  '3. 可直接上传本 XLSX 文件，也可在 Excel 中“另存为”CSV（UTF-8 或 GBK 编码均可）后上传。',
  '4. 建议先用“试导入”（dryRun=true）检查：系统会逐行报告错误（行号、列名、原因），不写入任何数据。',
  '5. 只有整个文件全部正确时才会导入；同一文件重复导入不会重复登记。',
];

/**
 * The downloadable XLSX template of an import: a data sheet with the Chinese headers (required ones marked *), the
 * English field keys in a grey second row (the one reader skips it), text format where Excel would mangle digits
 * (ID numbers, codes), drop-down lists for enumerations and number checks for amounts and counts; and an
 * instructions sheet with every column, whether it is required, its values and an example row.
 */
export async function importTemplate(
  specs: readonly ColumnSpec[],
  options: TemplateOptions,
): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'mutual-aid-engine';
  const rows = options.rows ?? 2000;
  const ws = wb.addWorksheet(options.sheetName.slice(0, 31), { views: [{ state: 'frozen', ySplit: 2 }] });
  const head = ws.addRow(specs.map((s) => (s.required ? `*${s.zh}` : s.zh)));
  head.font = { bold: true };
  head.eachCell((c) => (c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } }));
  // range validations: exceljs writes them (worksheet.dataValidations) but does not declare them in its types
  const validations = (ws as unknown as { dataValidations: { add(range: string, validation: object): void } })
    .dataValidations;
  const keys = ws.addRow(specs.map((s) => s.key));
  keys.font = { italic: true, color: { argb: 'FF808080' } };
  specs.forEach((s, i) => {
    const col = ws.getColumn(i + 1);
    col.width = Math.max(12, s.zh.length * 2 + 4, (s.example ?? '').length + 4);
    if (!s.kind || s.kind === 'text' || s.kind === 'date') col.numFmt = '@';
    const letter = col.letter;
    const range = `${letter}3:${letter}${rows + 2}`;
    if (s.kind === 'enum' && s.options?.length)
      validations.add(range, {
        type: 'list',
        allowBlank: !s.required,
        formulae: [`"${s.options.map((o) => o.zh).join(',')}"`],
        showErrorMessage: true,
        errorTitle: s.zh,
        error: `请从下拉列表选择：${s.options.map((o) => o.zh).join('、')}`,
      });
    else if (s.kind === 'integer')
      validations.add(range, {
        type: 'whole',
        operator: 'greaterThanOrEqual',
        allowBlank: !s.required,
        formulae: [0],
        showErrorMessage: true,
        error: '请填写整数',
      });
    else if (s.kind === 'money')
      validations.add(range, {
        type: 'decimal',
        operator: 'between',
        allowBlank: !s.required,
        formulae: [-1e12, 1e12],
        showErrorMessage: true,
        error: '请填写金额（元）',
      });
  });
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: specs.length } };

  const help = wb.addWorksheet('填写说明');
  help.getColumn(1).width = 18;
  help.getColumn(2).width = 18;
  help.getColumn(3).width = 8;
  help.getColumn(4).width = 22;
  help.getColumn(5).width = 30;
  help.getColumn(6).width = 50;
  help.addRow([options.title]).font = { bold: true, size: 14 };
  help.addRow([]);
  for (const line of [...GENERAL_NOTES, ...(options.notes ?? [])]) help.addRow([line]);
  help.addRow([]);
  help.addRow(['列名', '字段名', '必填', '类型', '可选值', '说明']).font = { bold: true };
  for (const s of specs)
    help.addRow([
      s.zh,
      s.key,
      s.required ? '是' : '否',
      KIND_LABEL[s.kind ?? 'text'],
      (s.options ?? []).map((o) => `${o.zh}（${o.value}）`).join('、'),
      s.note ?? '',
    ]);
  help.addRow([]);
  help.addRow(['示例（请勿填入此工作表）']).font = { bold: true };
  help.addRow(specs.map((s) => s.zh)).font = { bold: true };
  help.addRow(specs.map((s) => s.example ?? s.options?.[0]?.zh ?? ''));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
