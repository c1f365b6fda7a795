import { readFileSync } from 'node:fs';
import {
  MAX_RECORD_CHARS,
  readStatement,
  readStatementStream,
  StatementFileError,
  type StatementEncoding,
  type StatementFormat,
  type StatementItem,
} from '#libs/reconciliation';

const AS_OF = '2026-03-31';
const HEADER = 'bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date';
/** Written once with `iconv -f UTF-8 -t GB18030` (CRLF line ends): a 摘要 column, a remark quoted over two lines. */
const GBK_FIXTURE = new URL('./fixtures/statement-gbk.csv', import.meta.url);

/** GBK bytes written by hand (from the GB 2312 code table): 中 D6D0, 文 CEC4, 摘 D5AA, 要 D2AA, 说 CBB5, 明 C3F7. */
const GBK = {
  中文: [0xd6, 0xd0, 0xce, 0xc4],
  摘要: [0xd5, 0xaa, 0xd2, 0xaa],
  说明: [0xcb, 0xb5, 0xc3, 0xf7],
};
const ascii = (text: string) => [...Buffer.from(text, 'latin1')];

/** Feeds `bytes` to the reader in chunks of `size` bytes, as a slow network or a small read buffer would. */
async function read(
  bytes: Uint8Array | string,
  opts: { format?: StatementFormat; size?: number; encoding?: StatementEncoding } = {},
): Promise<StatementItem[]> {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
  const size = opts.size ?? 65536;
  async function* chunks() {
    for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
  }
  const items: StatementItem[] = [];
  for await (const item of readStatementStream(chunks(), opts.format ?? 'CSV', AS_OF, {
    encoding: opts.encoding,
  }))
    items.push(item);
  return items;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the file to be refused');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(StatementFileError);
      return e as StatementFileError;
    },
  );

const summary = (items: StatementItem[]) =>
  items.map((i) =>
    i.kind === 'row' ? [i.lineNo, i.row.ref, i.row.status] : [i.lineNo, 'MALFORMED', i.errors[0].code],
  );

describe('statement encodings', () => {
  it('detects a GBK file (no BOM, not valid UTF-8) and reads it, whatever the chunk size', async () => {
    const bytes = readFileSync(GBK_FIXTURE);
    // the header's 摘要 (D5AA D2AA) happens to be valid UTF-8 too: detection must look further than that
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const expected = [
      [2, 'A', 'NORMAL'],
      [3, 'B', 'NORMAL'],
      [5, 'C', 'OVERDUE'],
    ];
    expect(summary(await read(bytes))).toEqual(expected);
    // every chunk size from 1 byte up puts boundaries inside two-byte characters and inside the quoted remark
    for (let size = 1; size <= 9; size++) expect(summary(await read(bytes, { size }))).toEqual(expected);
    expect(summary(await read(bytes, { size: 1, encoding: 'GB18030' }))).toEqual(expected);
    // through the file reader too
    const fromFile: StatementItem[] = [];
    for await (const item of readStatement(GBK_FIXTURE.pathname, 'CSV', AS_OF)) fromFile.push(item);
    expect(summary(fromFile)).toEqual(expected);
  });

  it('decodes Chinese text in the columns that matter, split across chunks', async () => {
    const bytes = [
      ...ascii(`${HEADER},`),
      ...GBK.摘要,
      ...ascii('\n'),
      ...GBK.中文,
      ...ascii(`01,1.00,0.00,0,NORMAL,${AS_OF},`),
      ...GBK.说明,
      ...ascii('\n'),
    ];
    for (const size of [1, 2, 3, 1000]) {
      const items = await read(Uint8Array.from(bytes), { size });
      expect(items).toEqual([
        expect.objectContaining({ kind: 'row', lineNo: 2, row: expect.objectContaining({ ref: '中文01' }) }),
      ]);
    }
    // the same text in UTF-8, with and without a BOM
    const utf8 = `${HEADER},摘要\n中文01,1.00,0.00,0,NORMAL,${AS_OF},说明\n`;
    for (const text of [utf8, `\uFEFF${utf8}`])
      for (const size of [1, 2, 5, 1000]) {
        const items = await read(text, { size });
        expect(items.map((i) => i.kind === 'row' && i.row.ref)).toEqual(['中文01']);
      }
  });

  it('tells GBK from UTF-8 even when the first Chinese character is valid UTF-8 on its own', async () => {
    // 说 is CB B5, which is also the UTF-8 for U+02F5; 明 (C3 F7) is not valid UTF-8
    const bytes = Uint8Array.from([
      ...ascii(`${HEADER}\n`),
      ...GBK.说明,
      ...ascii(`,1.00,0.00,0,NORMAL,${AS_OF}\n`),
    ]);
    for (const size of [1, 2, 64])
      expect((await read(bytes, { size })).map((i) => i.kind === 'row' && i.row.ref)).toEqual(['说明']);
  });

  it('lets an explicit encoding win, and refuses bytes it cannot decode, naming the line', async () => {
    const bytes = Uint8Array.from([
      ...ascii(`${HEADER}\nA,1.00,0.00,0,NORMAL,\n`),
      ...GBK.中文,
      ...ascii(',1.00,0.00,0,NORMAL,\n'),
    ]);
    const e = await failure(read(bytes, { encoding: 'UTF-8' }));
    expect(e.errors).toEqual([expect.objectContaining({ field: 'encoding', code: 'ENCODING' })]);
    expect(e.detail).toBe('line 3 is not valid UTF-8');
    // GBK decoded as GB18030 on request
    expect(
      (await read(bytes, { encoding: 'GB18030', size: 3 })).map((i) => i.kind === 'row' && i.row.ref),
    ).toEqual(['A', '中文']);
    // a UTF-8 BOM contradicts an explicit GB18030
    const bom = await failure(read(`\uFEFF${HEADER}\n`, { encoding: 'GB18030' }));
    expect(bom.errors[0].code).toBe('ENCODING_MISMATCH');
    // UTF-8 detected from the first Chinese text, then a byte that is not UTF-8 further down
    const mixed = Uint8Array.from([
      ...ascii(`${HEADER}\n`),
      ...Buffer.from('中文,1.00,0.00,0,NORMAL,\n'),
      ...ascii('x'.repeat(5000) + '\n'),
      ...GBK.中文,
      ...ascii(',1.00,0.00,0,NORMAL,\n'),
    ]);
    expect((await failure(read(mixed, { size: 100 }))).detail).toBe('line 4 is not valid UTF-8');
  });
});

describe('CSV quoting (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, numbering records by their first line', async () => {
    const file = [
      `${HEADER},remark`,
      `A,10000.00,0.00,0,NORMAL,${AS_OF},"paid, on time"`,
      `"B","20000.00",0.00,0,NORMAL,${AS_OF},"first line`,
      `second line with ""quotes""`,
      ``,
      `fourth, last line"`,
      `C,5000.00,0.00,0,NORMAL,${AS_OF}, "  spaced ""quote"" "  `,
      `"D,1",5000.00,0.00,0,NORMAL,${AS_OF},plain`,
    ];
    for (const eol of ['\n', '\r\n', '\r'])
      for (const size of [1, 7, 65536]) {
        const items = await read(file.join(eol) + eol, { size });
        expect(summary(items)).toEqual([
          [2, 'A', 'NORMAL'],
          [3, 'B', 'NORMAL'],
          [7, 'C', 'NORMAL'],
          [8, 'D,1', 'NORMAL'],
        ]);
      }
    // a malformed record spanning lines keeps its whole text as raw
    const bad = await read(
      `${HEADER},remark\nA,1.00,2.00,0,NORMAL,,"two\nlines"\nB,1.00,0.00,0,NORMAL,,ok\n`,
    );
    expect(bad[0]).toEqual({
      kind: 'malformed',
      lineNo: 2,
      raw: 'A,1.00,2.00,0,NORMAL,,"two\nlines"',
      errors: [expect.objectContaining({ code: 'INCONSISTENT' })],
    });
    expect(summary(bad.slice(1))).toEqual([[4, 'B', 'NORMAL']]);
  });

  it('reports an unterminated quote on the line that opens it and reads every line after it again', async () => {
    const items = await read(
      [
        HEADER,
        `A,1.00,0.00,0,NORMAL,${AS_OF}`,
        `"B,1.00,0.00,0,NORMAL,${AS_OF}`,
        `C,1.00,0.00,0,NORMAL,${AS_OF}`,
        `D,1.00,0.00,0,NORMAL,${AS_OF}`,
      ].join('\n'),
      { size: 4 },
    );
    expect(summary(items)).toEqual([
      [2, 'A', 'NORMAL'],
      [3, 'MALFORMED', 'CSV_SYNTAX'],
      [4, 'C', 'NORMAL'],
      [5, 'D', 'NORMAL'],
    ]);
    const b = items[1] as Extract<StatementItem, { kind: 'malformed' }>;
    expect(b.errors[0].message).toBe('the quote opened on line 3 is not closed by the end of the file');
    expect(b.raw).toBe(`"B,1.00,0.00,0,NORMAL,${AS_OF}`);
  });

  it('does not let a stray quote swallow the rows up to the next quote', async () => {
    const items = await read(
      [
        HEADER,
        `"A,1.00,0.00,0,NORMAL,${AS_OF}`,
        `B,1.00,0.00,0,NORMAL,${AS_OF}`,
        `"C",1.00,0.00,0,NORMAL,${AS_OF}`,
        `D,1.00,0.00,0,NORMAL,"${AS_OF}`,
        `E,1.00,0.00,0,NORMAL,${AS_OF}"`,
        `F,1.00,0.00,0,NORMAL,${AS_OF}`,
      ].join('\n'),
    );
    // A's quote "closes" at C's opening quote: a character follows it, so A alone is malformed and B, C are read
    // again; D's quoted date runs to the end of E's line, a well-formed record of 6 fields, but a line break in a
    // statement field (not a remark) means a quote in the wrong place: D is reported and E read again (E's own
    // closing quote is stray)
    expect(summary(items)).toEqual([
      [2, 'MALFORMED', 'CSV_SYNTAX'],
      [3, 'B', 'NORMAL'],
      [4, 'C', 'NORMAL'],
      [5, 'MALFORMED', 'CSV_SYNTAX'],
      [6, 'MALFORMED', 'CSV_SYNTAX'],
      [7, 'F', 'NORMAL'],
    ]);
    expect((items[3] as Extract<StatementItem, { kind: 'malformed' }>).errors[0].message).toBe(
      'a line break inside the as_of_date field: the quote opened on line 5 is not closed where it should be',
    );
    const a = items[0] as Extract<StatementItem, { kind: 'malformed' }>;
    expect(a.errors[0].message).toContain('line 4: a character follows the closing quote');
  });

  it('gives up on a quote still open after MAX_RECORD_CHARS and reads on from the next line', async () => {
    const filler = Array.from(
      { length: Math.ceil(MAX_RECORD_CHARS / 20) },
      (_, i) => `X${i},1.00,0.00,0,NORMAL,${AS_OF}`,
    );
    const items = await read(
      [HEADER, `A,1.00,0.00,0,NORMAL,"${AS_OF}`, ...filler, `Z,1.00,0.00,0,NORMAL,"x`].join('\n'),
      {
        size: 1000,
      },
    );
    expect(items).toHaveLength(filler.length + 2);
    expect(summary(items.slice(0, 2))).toEqual([
      [2, 'MALFORMED', 'CSV_SYNTAX'],
      [3, 'X0', 'NORMAL'],
    ]);
    expect((items[0] as Extract<StatementItem, { kind: 'malformed' }>).errors[0].message).toContain(
      `not closed within ${MAX_RECORD_CHARS} characters`,
    );
    expect(summary(items.slice(-1))).toEqual([[filler.length + 3, 'MALFORMED', 'CSV_SYNTAX']]);
  });

  it('refuses a header it cannot read, naming the line', async () => {
    const e = await failure(read(`"bank_loan_ref,${HEADER.slice(14)}\nA,1.00,0.00,0,NORMAL,\n`));
    expect(e.detail).toBe('line 1: the header is not valid CSV');
    expect(e.errors[0].message).toBe('the quote opened on line 1 is not closed by the end of the file');
  });

  it('streams: rows come out before the source has been read to the end', async () => {
    let chunksRead = 0;
    async function* source() {
      yield Buffer.from(`${HEADER},摘要\n`, 'utf8');
      for (let i = 0; i < 10000; i++) {
        chunksRead++;
        yield Buffer.from(`R${i},1.00,0.00,0,NORMAL,${AS_OF},"备注\n第${i}行"\n`);
      }
    }
    let first: number | undefined;
    let rows = 0;
    for await (const item of readStatementStream(source(), 'CSV', AS_OF)) {
      first ??= chunksRead;
      if (item.kind === 'row') rows++;
    }
    expect(rows).toBe(10000);
    expect(first).toBeLessThan(100);
  });
});

describe('JSON statements', () => {
  const obj = (ref: string, extra: object = {}) => ({
    bank_loan_ref: ref,
    outstanding_principal: '1.00',
    overdue_principal: '0.00',
    overdue_days: 0,
    status: 'NORMAL',
    ...extra,
  });

  it('reads a top-level array, pretty-printed or on one line, element by element with its line', async () => {
    const pretty = `\n${JSON.stringify([obj('A'), obj('B', { remark: 'a ] and a } in "text" \\u4e2d' }), obj('C')], null, 2)}\n`;
    for (const size of [1, 3, 65536]) {
      expect(summary(await read(pretty, { format: 'JSONL', size }))).toEqual([
        [3, 'A', 'NORMAL'],
        [10, 'B', 'NORMAL'],
        [18, 'C', 'NORMAL'],
      ]);
    }
    const minified = JSON.stringify([obj('中文'), obj('B')]);
    for (const size of [1, 2, 65536])
      expect(summary(await read(minified, { format: 'JSONL', size }))).toEqual([
        [1, '中文', 'NORMAL'],
        [1, 'B', 'NORMAL'],
      ]);
    // GBK JSON is detected like GBK CSV
    const gbk = Uint8Array.from([
      ...ascii('[{"bank_loan_ref":"'),
      ...GBK.中文,
      ...GBK.说明,
      ...ascii(
        '","outstanding_principal":"1.00","overdue_principal":"0","overdue_days":0,"status":"NORMAL"}]',
      ),
    ]);
    expect(summary(await read(gbk, { format: 'JSONL', size: 1 }))).toEqual([[1, '中文说明', 'NORMAL']]);
  });

  it('reports elements that are not objects or not valid JSON as malformed rows, and keeps reading', async () => {
    const text = `[\n${JSON.stringify(obj('A'))},\n 42, "x", [1, 2],\n {"bank_loan_ref": "B", "status": NORMAL},\n ${JSON.stringify(obj('C', { outstanding_principal: 5 }))}, null\n]\n`;
    expect(summary(await read(text, { format: 'JSONL', size: 2 }))).toEqual([
      [2, 'A', 'NORMAL'],
      [3, 'MALFORMED', 'JSON_SYNTAX'],
      [3, 'MALFORMED', 'JSON_SYNTAX'],
      [3, 'MALFORMED', 'JSON_SYNTAX'],
      [4, 'MALFORMED', 'JSON_SYNTAX'],
      [5, 'MALFORMED', 'FORMAT'],
      [5, 'MALFORMED', 'JSON_SYNTAX'],
    ]);
  });

  it('refuses an array it cannot cut into elements, naming the line', async () => {
    const cases: [string, string][] = [
      [
        `[\n${JSON.stringify(obj('A'))}\n${JSON.stringify(obj('B'))}]`,
        'line 3: expected , or ] after an element of the array',
      ],
      [`[\n${JSON.stringify(obj('A'))},\n]`, 'line 3: a comma before the closing ] of the array'],
      [
        `[\n${JSON.stringify(obj('A'))}\n`,
        'line 3: the array opened on line 1 is not closed by the end of the file',
      ],
      [`[${JSON.stringify(obj('A'))}]\n{}`, 'line 2: text after the closing ] of the array'],
      [`[,${JSON.stringify(obj('A'))}]`, 'line 1: an empty element in the array'],
      [
        `[{"bank_loan_ref": "A${'x'.repeat(MAX_RECORD_CHARS)}`,
        `line 1: the element starting on line 1 is longer than ${MAX_RECORD_CHARS} characters (a string or object left open?)`,
      ],
    ];
    for (const [text, detail] of cases)
      expect((await failure(read(text, { format: 'JSONL', size: 5 }))).detail).toBe(detail);
  });

  it('still reads JSON Lines, an array on one line being a malformed line there', async () => {
    const text = [JSON.stringify(obj('A')), '', JSON.stringify([obj('B')]), JSON.stringify(obj('C'))].join(
      '\r\n',
    );
    expect(summary(await read(text, { format: 'JSONL', size: 3 }))).toEqual([
      [1, 'A', 'NORMAL'],
      [3, 'MALFORMED', 'JSON_SYNTAX'],
      [4, 'C', 'NORMAL'],
    ]);
  });

  it('streams an array: elements come out before the source has been read to the end', async () => {
    let chunksRead = 0;
    async function* source() {
      yield Buffer.from('[');
      for (let i = 0; i < 10000; i++) {
        chunksRead++;
        yield Buffer.from(`${i ? ',' : ''}${JSON.stringify(obj(`R${i}`))}`);
      }
      yield Buffer.from(']');
    }
    let first: number | undefined;
    let rows = 0;
    for await (const item of readStatementStream(source(), 'JSONL', AS_OF)) {
      first ??= chunksRead;
      if (item.kind === 'row') rows++;
    }
    expect(rows).toBe(10000);
    expect(first).toBeLessThan(100);
  });
});

describe('Chinese headers and XLSX statements (the uploads’ one decoder and header rules)', () => {
  const ZH =
    '银行贷款编号,贷款余额（元）,逾期本金,逾期天数,贷款状态,对账日期\r\nZB-1,25000.00,0.00,0,正常,2026-03-31\r\nZB-2,1000.00,1000.00,45,逾期,\r\n';

  it('reads a GBK statement with Chinese column headers and status words', async () => {
    const { default: iconv } = await import('iconv-lite');
    const items = await read(iconv.encode(ZH, 'gbk'), { size: 7 });
    expect(summary(items)).toEqual([
      [2, 'ZB-1', 'NORMAL'],
      [3, 'ZB-2', 'OVERDUE'],
    ]);
  });

  it('names the missing column in both languages’ terms', async () => {
    const e = await failure(read('银行贷款编号,贷款余额,逾期本金,贷款状态\r\nZB-1,1.00,0.00,正常\r\n'));
    expect(e.errors).toEqual([
      expect.objectContaining({
        field: 'overdue_days',
        code: 'MISSING_COLUMN',
        message: expect.stringContaining('逾期天数'),
      }),
    ]);
  });

  it('reads an XLSX statement file, rows numbered as the spreadsheet shows them', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('对账单');
    ws.addRow(['银行贷款编号', '贷款余额', '逾期本金', '逾期天数', '贷款状态']);
    ws.addRow(['ZB-1', 25000, 0, 0, '正常']);
    ws.addRow(['ZB-2', 'abc', 0, 0, '正常']);
    const dir = await mkdtemp(join(tmpdir(), 'stmt-'));
    const path = join(dir, 's.xlsx');
    await writeFile(path, Buffer.from(await wb.xlsx.writeBuffer()));
    const items: StatementItem[] = [];
    for await (const item of readStatement(path, 'CSV', AS_OF)) items.push(item);
    await rm(dir, { recursive: true });
    expect(summary(items)).toEqual([
      [2, 'ZB-1', 'NORMAL'],
      [3, 'MALFORMED', 'FORMAT'],
    ]);
  });
});
