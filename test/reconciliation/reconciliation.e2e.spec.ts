import request from 'supertest';
import { yuan } from '#libs/money';
import { apiCall, createTestApp, fileBody, fileCall, type TestApp } from '#libs/testing';
import { createCoveredLoan, createDistrict } from '../guarantee/fixtures.js';

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.tokenFor('ADMIN');
});
afterAll(async () => t.close());

const HEADER = 'bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date';

async function bankWithKey() {
  const code = `B${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const bank = (await apiCall(t.api(admin).POST('/api/v1/banks', { body: { code, name: code } }))).body as {
    id: string;
    code: string;
  };
  const key = (
    await apiCall(
      t.api(admin).POST('/api/v1/banks/{id}/api-keys', {
        params: { path: { id: bank.id } },
        body: { label: 'statements' },
      }),
    )
  ).body.key as string;
  return { bank, key };
}

/** A statement uploaded by `client` (a bank's key, or staff), the file as the raw body with its content type. */
const upload = (
  client: ReturnType<TestApp['api']>,
  query: Record<string, string>,
  content: string | Buffer,
  contentType = 'text/csv',
) =>
  apiCall(
    client.POST('/api/v1/reconciliation/runs', {
      params: { query: query as never },
      ...fileBody(content, contentType),
    }),
  );
const withKey = (apiKey: string) => t.api({ apiKey });
const run = (id: string) => ({ params: { path: { id } } });

describe('reconciliation over HTTP', () => {
  it('takes a streamed CSV from a bank key, replays the same file, and keeps each bank to its own runs', async () => {
    const district = await createDistrict(t.db.dataSource);
    const a = await bankWithKey();
    const b = await bankWithKey();
    await createCoveredLoan(t.db.dataSource, {
      district,
      bankId: a.bank.id,
      ref: 'R1',
      principalFen: yuan('5000.00'),
    });
    await createCoveredLoan(t.db.dataSource, {
      district,
      bankId: a.bank.id,
      ref: 'R2',
      principalFen: yuan('8000.00'),
      daysOverdue: 12,
    });
    const csv = `${HEADER}\nR1,5000.00,0.00,0,NORMAL,2026-03-31\nR2,8000.00,0.00,12,OVERDUE,2026-03-31\nR3,1.00,0,0,NORMAL,2026-03-31\nR4,abc,0,0,NORMAL,2026-03-31\n`;

    const first = await upload(withKey(a.key), { asOfDate: '2026-03-31' }, csv);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      bankId: a.bank.id,
      format: 'CSV',
      rows: { total: 4, valid: 3, malformed: 1 },
      summary: {
        matched: { count: 2, outstanding: '13000.00' },
        onlyInBank: { count: 1 },
        onlyInEngine: { count: 0 },
        malformed: { count: 1 },
      },
    });
    const again = await upload(withKey(a.key), { asOfDate: '2026-03-31' }, csv);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);

    // bank B neither sees nor reaches A's run, and cannot upload in A's name
    const bankB = withKey(b.key);
    expect((await apiCall(bankB.GET('/api/v1/reconciliation/runs/{id}', run(first.body.id)))).status).toBe(404);
    expect((await apiCall(bankB.GET('/api/v1/reconciliation/runs/{id}/lines', run(first.body.id)))).status).toBe(404);
    expect(
      (
        await fileCall(
          bankB.GET('/api/v1/reconciliation/runs/{id}/report.csv', { ...run(first.body.id), parseAs: 'arrayBuffer' }),
        )
      ).status,
    ).toBe(404);
    expect((await apiCall(bankB.GET('/api/v1/reconciliation/runs'))).body.total).toBe(0);
    const spoof = await upload(bankB, { asOfDate: '2026-03-31', bankId: a.bank.id }, csv);
    expect(spoof.status).toBe(404);

    const bankA = withKey(a.key);
    const mine = await apiCall(bankA.GET('/api/v1/reconciliation/runs', { params: { query: { from: '2026-03-01' } } }));
    expect(mine.body.items.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
    const malformed = await apiCall(
      bankA.GET('/api/v1/reconciliation/runs/{id}/lines', {
        params: { path: { id: first.body.id }, query: { category: 'MALFORMED' } },
      }),
    );
    expect(malformed.body.items).toEqual([
      expect.objectContaining({
        lineNo: 5,
        errors: [expect.objectContaining({ field: 'outstanding_principal' })],
      }),
    ]);
    // the reader's English sentence, and the message catalogue's Chinese one when the caller asks for Chinese
    expect(malformed.body.items[0].errors[0].message).toMatch(/yuan/);
    const malformedZh = await apiCall(
      bankA.GET('/api/v1/reconciliation/runs/{id}/lines', {
        params: { path: { id: first.body.id }, query: { category: 'MALFORMED' } },
        headers: { 'Accept-Language': 'zh-CN' },
      }),
    );
    expect(malformedZh.body.items[0].errors[0]).toEqual({
      field: 'outstanding_principal',
      code: malformed.body.items[0].errors[0].code,
      message: expect.stringMatching(/\p{Script=Han}/u),
    });
    const auditor = await t.tokenFor('AUDITOR');
    expect((await apiCall(t.api(auditor).GET('/api/v1/reconciliation/runs/{id}', run(first.body.id)))).status).toBe(
      200,
    );

    const report = await fileCall(
      bankA.GET('/api/v1/reconciliation/runs/{id}/report.csv', { ...run(first.body.id), parseAs: 'arrayBuffer' }),
    );
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toMatch(/^text\/csv/);
    expect(report.headers['content-disposition']).toContain(
      `reconciliation-${a.bank.code}-2026-03-31-run${first.body.id}.csv`,
    );
    const rows = report.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(rows).toHaveLength(5);
    expect(rows[0].split(',').slice(0, 3)).toEqual(['行号', '核对结果', '金额不符']);
    expect(rows.slice(1).map((r) => r.split(',')[1])).toEqual(['一致', '一致', '仅银行有', '格式错误']);

    const english = await fileCall(
      bankA.GET('/api/v1/reconciliation/runs/{id}/report.csv', {
        ...run(first.body.id),
        headers: { 'Accept-Language': 'en' },
        parseAs: 'arrayBuffer',
      }),
    );
    const enRows = english.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(enRows[0]).toMatch(/^line_no,category,/);
    expect(enRows.slice(1).map((r) => r.split(',')[1])).toEqual(['MATCHED', 'MATCHED', 'ONLY_IN_BANK', 'MALFORMED']);

    const book = await fileCall(
      bankA.GET('/api/v1/reconciliation/runs/{id}/report.xlsx', { ...run(first.body.id), parseAs: 'arrayBuffer' }),
    );
    expect(book.status).toBe(200);
    expect(book.headers['content-type']).toMatch(/spreadsheetml/);
    expect(book.headers['content-disposition']).toContain(`run${first.body.id}.xlsx`);
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(book.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    expect(header[1]).toBe('核对结果');
    expect(ws.getRow(2).getCell(2).value).toBe('一致');
    expect(typeof ws.getRow(2).getCell(header.indexOf('银行贷款余额') + 1).value).toBe('number');
  });

  it('takes a GBK statement named by the encoding parameter and refuses an encoding it does not know', async () => {
    const a = await bankWithKey();
    // the reference X说 in GBK: 说 is CB B5, which is also valid UTF-8 (U+02F5), so only the parameter can say
    // GBK; the remark 中文 (D6D0 CEC4) is not UTF-8
    const gbk = Buffer.concat([
      Buffer.from(`${HEADER},remark\nX`),
      Buffer.from([0xcb, 0xb5]),
      Buffer.from(',1.00,0.00,0,NORMAL,2026-03-31,"'),
      Buffer.from([0xd6, 0xd0, 0xce, 0xc4]),
      Buffer.from('"\n'),
    ]);
    const send = (
      encoding: string,
      asOfDate = '2026-03-31',
      bytes = gbk.subarray(0, gbk.indexOf(0xd6) - 1),
    ) => upload(withKey(a.key), { asOfDate, encoding }, Buffer.concat([bytes, Buffer.from('\n')]));
    const ok = await send('GBK');
    expect(ok.status).toBe(201);
    expect(ok.body.rows).toEqual({ total: 1, valid: 1, malformed: 0 });
    const lines = await apiCall(withKey(a.key).GET('/api/v1/reconciliation/runs/{id}/lines', run(ok.body.id)));
    expect(lines.body.items.map((l: { bankLoanRef: string }) => l.bankLoanRef)).toEqual(['X说']);
    // the whole file, with the remark, is not UTF-8: refused when UTF-8 is named, naming the line
    const asUtf8 = await send('utf-8', '2026-03-30', gbk);
    expect(asUtf8.status).toBe(422);
    expect(asUtf8.body).toMatchObject({
      code: 'RECON_FILE_INVALID',
      detail: 'line 2 is not valid UTF-8',
      errors: [{ field: 'encoding', code: 'ENCODING' }],
    });
    const unknown = await send('big5');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'encoding' })]);
  });

  it('accepts JSON Lines, refuses other content types and an ADMIN upload that names no bank', async () => {
    const a = await bankWithKey();
    const jsonl = [
      {
        bank_loan_ref: 'X1',
        outstanding_principal: '1.00',
        overdue_principal: '0.00',
        overdue_days: 0,
        status: 'NORMAL',
      },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    const ok = await upload(withKey(a.key), { asOfDate: '2026-03-31' }, jsonl, 'application/x-ndjson');
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      format: 'JSONL',
      summary: { onlyInBank: { count: 1, bankOutstanding: '1.00' } },
    });
    // application/json is not a content type the operation documents: sent raw, on purpose
    const json = await request(t.http)
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31' })
      .set('X-Api-Key', a.key)
      .send([{ bank_loan_ref: 'X1' }]);
    expect(json.status).toBe(415);
    expect(json.body.code).toBe('RECON_FORMAT_UNSUPPORTED');
    // the API parses application/json whole before the handler: refused even when format=jsonl is named
    // (again an undocumented content type, sent raw)
    const jsonNamed = await request(t.http)
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31', format: 'jsonl' })
      .set('X-Api-Key', a.key)
      .send([{ bank_loan_ref: 'X1' }]);
    expect(jsonNamed.status).toBe(415);
    // a JSON array is streamed when sent as application/x-ndjson: the same file content as the JSON Lines above
    const array = await upload(withKey(a.key), { asOfDate: '2026-03-30' }, `[\n${jsonl}\n]`, 'application/x-ndjson');
    expect(array.status).toBe(201);
    expect(array.body).toMatchObject({ format: 'JSONL', rows: { total: 1, valid: 1, malformed: 0 } });
    const noBank = await upload(t.api(admin), { asOfDate: '2026-03-31' }, `${HEADER}\n`);
    expect(noBank.status).toBe(400);
    expect(noBank.body.errors).toEqual([expect.objectContaining({ field: 'bankId' })]);
    const badDate = await upload(withKey(a.key), { asOfDate: '2026-02-30' }, `${HEADER}\n`);
    expect(badDate.status).toBe(400);
    const noHeader = await upload(withKey(a.key), { asOfDate: '2026-03-31' }, 'X1,1.00,0,0,NORMAL\n');
    expect(noHeader.status).toBe(422);
    expect(noHeader.body.code).toBe('RECON_FILE_INVALID');
    const loanOfficer = await t.tokenFor('LOAN_OFFICER');
    expect((await apiCall(t.api(loanOfficer).GET('/api/v1/reconciliation/runs'))).status).toBe(403);
  });
});
