import request from 'supertest';
import { yuan } from '#libs/money';
import { createTestApp, type TestApp } from '#libs/testing';
import { createCoveredLoan, createDistrict } from '../guarantee/fixtures.js';

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.tokenFor('ADMIN');
});
afterAll(async () => t.close());

const http = () => request(t.http);
const HEADER = 'bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date';

async function bankWithKey() {
  const code = `B${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const bank = (
    await http().post('/api/v1/banks').set('Authorization', `Bearer ${admin}`).send({ code, name: code })
  ).body as { id: string; code: string };
  const key = (
    await http()
      .post(`/api/v1/banks/${bank.id}/api-keys`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ label: 'statements' })
  ).body.key as string;
  return { bank, key };
}

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

    const first = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31' })
      .set('X-Api-Key', a.key)
      .set('Content-Type', 'text/csv')
      .send(csv);
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
    const again = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31' })
      .set('X-Api-Key', a.key)
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);

    // bank B neither sees nor reaches A's run, and cannot upload in A's name
    expect(
      (await http().get(`/api/v1/reconciliation/runs/${first.body.id}`).set('X-Api-Key', b.key)).status,
    ).toBe(404);
    expect(
      (await http().get(`/api/v1/reconciliation/runs/${first.body.id}/lines`).set('X-Api-Key', b.key)).status,
    ).toBe(404);
    expect(
      (await http().get(`/api/v1/reconciliation/runs/${first.body.id}/report.csv`).set('X-Api-Key', b.key))
        .status,
    ).toBe(404);
    expect((await http().get('/api/v1/reconciliation/runs').set('X-Api-Key', b.key)).body.total).toBe(0);
    const spoof = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31', bankId: a.bank.id })
      .set('X-Api-Key', b.key)
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(spoof.status).toBe(404);

    const mine = await http()
      .get('/api/v1/reconciliation/runs')
      .query({ from: '2026-03-01' })
      .set('X-Api-Key', a.key);
    expect(mine.body.items.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
    const malformed = await http()
      .get(`/api/v1/reconciliation/runs/${first.body.id}/lines`)
      .query({ category: 'MALFORMED' })
      .set('X-Api-Key', a.key);
    expect(malformed.body.items).toEqual([
      expect.objectContaining({
        lineNo: 5,
        errors: [expect.objectContaining({ field: 'outstanding_principal' })],
      }),
    ]);
    // the reader's English sentence, and the message catalogue's Chinese one when the caller asks for Chinese
    expect(malformed.body.items[0].errors[0].message).toMatch(/yuan/);
    const malformedZh = await http()
      .get(`/api/v1/reconciliation/runs/${first.body.id}/lines`)
      .query({ category: 'MALFORMED' })
      .set('X-Api-Key', a.key)
      .set('Accept-Language', 'zh-CN');
    expect(malformedZh.body.items[0].errors[0]).toEqual({
      field: 'outstanding_principal',
      code: malformed.body.items[0].errors[0].code,
      message: expect.stringMatching(/\p{Script=Han}/u),
    });
    const auditor = await t.tokenFor('AUDITOR');
    expect(
      (
        await http()
          .get(`/api/v1/reconciliation/runs/${first.body.id}`)
          .set('Authorization', `Bearer ${auditor}`)
      ).status,
    ).toBe(200);

    const report = await http()
      .get(`/api/v1/reconciliation/runs/${first.body.id}/report.csv`)
      .set('X-Api-Key', a.key)
      .buffer(true)
      .parse((res, cb) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => cb(null, data));
      });
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toMatch(/^text\/csv/);
    expect(report.headers['content-disposition']).toContain(
      `reconciliation-${a.bank.code}-2026-03-31-run${first.body.id}.csv`,
    );
    const rows = (report.body as string)
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(rows).toHaveLength(5);
    expect(rows[0].split(',').slice(0, 3)).toEqual(['行号', '核对结果', '金额不符']);
    expect(rows.slice(1).map((r) => r.split(',')[1])).toEqual(['一致', '一致', '仅银行有', '格式错误']);

    const english = await http()
      .get(`/api/v1/reconciliation/runs/${first.body.id}/report.csv`)
      .set('X-Api-Key', a.key)
      .set('Accept-Language', 'en')
      .buffer(true)
      .parse((res, cb) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => cb(null, data));
      });
    const enRows = (english.body as string).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(enRows[0]).toMatch(/^line_no,category,/);
    expect(enRows.slice(1).map((r) => r.split(',')[1])).toEqual(['MATCHED', 'MATCHED', 'ONLY_IN_BANK', 'MALFORMED']);

    const book = await http()
      .get(`/api/v1/reconciliation/runs/${first.body.id}/report.xlsx`)
      .set('X-Api-Key', a.key)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
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
    ) =>
      http()
        .post('/api/v1/reconciliation/runs')
        .query({ asOfDate, encoding })
        .set('X-Api-Key', a.key)
        .set('Content-Type', 'text/csv')
        .send(Buffer.concat([bytes, Buffer.from('\n')]));
    const ok = await send('GBK');
    expect(ok.status).toBe(201);
    expect(ok.body.rows).toEqual({ total: 1, valid: 1, malformed: 0 });
    const lines = await http().get(`/api/v1/reconciliation/runs/${ok.body.id}/lines`).set('X-Api-Key', a.key);
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
    const ok = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31' })
      .set('X-Api-Key', a.key)
      .set('Content-Type', 'application/x-ndjson')
      .send(jsonl);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      format: 'JSONL',
      summary: { onlyInBank: { count: 1, bankOutstanding: '1.00' } },
    });
    const json = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31' })
      .set('X-Api-Key', a.key)
      .send([{ bank_loan_ref: 'X1' }]);
    expect(json.status).toBe(415);
    expect(json.body.code).toBe('RECON_FORMAT_UNSUPPORTED');
    // the API parses application/json whole before the handler: refused even when format=jsonl is named
    const jsonNamed = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31', format: 'jsonl' })
      .set('X-Api-Key', a.key)
      .send([{ bank_loan_ref: 'X1' }]);
    expect(jsonNamed.status).toBe(415);
    // a JSON array is streamed when sent as application/x-ndjson: the same file content as the JSON Lines above
    const array = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-30' })
      .set('X-Api-Key', a.key)
      .set('Content-Type', 'application/x-ndjson')
      .send(`[\n${jsonl}\n]`);
    expect(array.status).toBe(201);
    expect(array.body).toMatchObject({ format: 'JSONL', rows: { total: 1, valid: 1, malformed: 0 } });
    const noBank = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31' })
      .set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'text/csv')
      .send(`${HEADER}\n`);
    expect(noBank.status).toBe(400);
    expect(noBank.body.errors).toEqual([expect.objectContaining({ field: 'bankId' })]);
    const badDate = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-02-30' })
      .set('X-Api-Key', a.key)
      .set('Content-Type', 'text/csv')
      .send(`${HEADER}\n`);
    expect(badDate.status).toBe(400);
    const noHeader = await http()
      .post('/api/v1/reconciliation/runs')
      .query({ asOfDate: '2026-03-31' })
      .set('X-Api-Key', a.key)
      .set('Content-Type', 'text/csv')
      .send('X1,1.00,0,0,NORMAL\n');
    expect(noHeader.status).toBe(422);
    expect(noHeader.body.code).toBe('RECON_FILE_INVALID');
    const loanOfficer = await t.tokenFor('LOAN_OFFICER');
    expect(
      (await http().get('/api/v1/reconciliation/runs').set('Authorization', `Bearer ${loanOfficer}`)).status,
    ).toBe(403);
  });
});
