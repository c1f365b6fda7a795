import { readFileSync } from 'node:fs';
import request from 'supertest';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';

const URL = '/api/v1/schedules/preview';
const VECTORS: { name: string; request: Record<string, unknown>; expected: unknown }[] = JSON.parse(
  readFileSync('/work/shared/vectors/schedule-preview.json', 'utf8'),
);

const VALID = {
  principal: '5000.00',
  annualRatePercent: '12',
  numberOfInstallments: 18,
  frequency: 'MONTHLY',
  method: 'EQUAL_INSTALLMENT',
  dayCount: 'PERIOD',
  disbursementDate: '2022-11-01',
  rounding: 'HALF_UP',
  installmentMultiple: '0.01',
  principalGraceInstallments: 0,
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

// bodies are the vectors' and deliberately wrong ones: the test is about what the server answers to each
const preview = (body: unknown, token?: string) => apiCall(t.api(token).POST(URL, { body: body as never }));

describe('POST /api/v1/schedules/preview: reference vectors', () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))(
    '%s: the response equals the expected schedule field by field',
    async (_n, v) => {
      const res = await preview(v.request);
      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual(v.expected);
    },
  );

  it('applies the contract defaults (HALF_UP, PERIOD, multiple 0.01, no grace)', async () => {
    const {
      rounding: _r,
      dayCount: _d,
      installmentMultiple: _m,
      principalGraceInstallments: _g,
      ...bare
    } = VALID;
    const withDefaults = await preview(bare);
    const explicit = await preview(VALID);
    expect(withDefaults.status).toBe(200);
    expect(withDefaults.body).toStrictEqual(explicit.body);
    // 5000 at 1 % a month over 18: A = 304.9101… → 304.91 to the fen; first interest 50.00
    expect(withDefaults.body.installments[0]).toStrictEqual({
      number: 1,
      dueDate: '2022-12-01',
      days: 30,
      principal: '254.91',
      interest: '50.00',
      total: '304.91',
      balanceAfter: '4745.09',
    });
    expect(withDefaults.body.installments).toHaveLength(18);
    expect(withDefaults.body.totals.principal).toBe('5000.00');
  });

  it('accepts null for an optional field as its default', async () => {
    const res = await preview({
      ...VALID,
      rounding: null,
      installmentMultiple: null,
      principalGraceInstallments: null,
      dayCount: null,
    });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual((await preview(VALID)).body);
  });
});

describe('POST /api/v1/schedules/preview: validation', () => {
  /** [what, body change, the fields the problem must name]. */
  const CASES: [string, Record<string, unknown>, string[]][] = [
    ['negative principal', { principal: '-5000.00' }, ['principal']],
    ['zero principal', { principal: '0.00' }, ['principal']],
    ['more than 2 decimals', { principal: '5000.001' }, ['principal']],
    ['principal as a number', { principal: 5000 }, ['principal']],
    ['principal missing', { principal: undefined }, ['principal']],
    ['unknown method', { method: 'BALLOON' }, ['method']],
    ['unknown frequency', { frequency: 'WEEKLY' }, ['frequency']],
    ['unknown day count', { dayCount: 'ACTUAL_366' }, ['dayCount']],
    ['unknown rounding', { rounding: 'DOWN' }, ['rounding']],
    ['0 instalments', { numberOfInstallments: 0 }, ['numberOfInstallments']],
    ['361 instalments', { numberOfInstallments: 361 }, ['numberOfInstallments']],
    ['fractional instalments', { numberOfInstallments: 1.5 }, ['numberOfInstallments']],
    ['instalments as a string', { numberOfInstallments: '18' }, ['numberOfInstallments']],
    ['negative rate', { annualRatePercent: '-0.01' }, ['annualRatePercent']],
    ['rate above 36', { annualRatePercent: '36.01' }, ['annualRatePercent']],
    ['rate not a decimal', { annualRatePercent: '1e1' }, ['annualRatePercent']],
    ['a day that does not exist', { disbursementDate: '2023-02-29' }, ['disbursementDate']],
    ['a date in another format', { disbursementDate: '01/11/2022' }, ['disbursementDate']],
    [
      'AT_MATURITY with EQUAL_INSTALLMENT',
      { frequency: 'AT_MATURITY', numberOfInstallments: 1, termMonths: 12 },
      ['frequency'],
    ],
    [
      'AT_MATURITY with 2 instalments and no term',
      { frequency: 'AT_MATURITY', method: 'BULLET', numberOfInstallments: 2 },
      ['numberOfInstallments', 'termMonths'],
    ],
    [
      'AT_MATURITY term beyond 360 months',
      { frequency: 'AT_MATURITY', method: 'BULLET', numberOfInstallments: 1, termMonths: 361 },
      ['termMonths'],
    ],
    ['termMonths contradicting the instalments', { termMonths: 12 }, ['termMonths']],
    ['grace as long as the loan', { principalGraceInstallments: 18 }, ['principalGraceInstallments']],
    ['negative grace', { principalGraceInstallments: -1 }, ['principalGraceInstallments']],
    [
      'grace on a bullet',
      { method: 'BULLET', principalGraceInstallments: 1 },
      ['principalGraceInstallments'],
    ],
    ['zero multiple', { installmentMultiple: '0' }, ['installmentMultiple']],
    ['negative multiple', { installmentMultiple: '-1.00' }, ['installmentMultiple']],
    ['multiple below a fen', { installmentMultiple: '0.001' }, ['installmentMultiple']],
    ['an unknown field', { balloon: '100.00' }, ['balloon']],
  ];

  it.each(CASES)('%s → 400 naming the field', async (_what, change, fields) => {
    const res = await preview({ ...VALID, ...change });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect([...new Set(res.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(
      [...fields].sort(),
    );
    for (const e of res.body.errors) expect(e.message).toEqual(expect.any(String));
  });

  it('names every offending field in one answer', async () => {
    const res = await preview({
      principal: '0',
      annualRatePercent: '40',
      numberOfInstallments: 400,
      frequency: 'AT_MATURITY',
      method: 'EQUAL_PRINCIPAL',
      dayCount: 'X',
      disbursementDate: '2022-13-01',
      rounding: 'UP',
      installmentMultiple: 'abc',
      principalGraceInstallments: 1.5,
    });
    expect(res.status).toBe(400);
    const fields = new Set(res.body.errors.map((e: { field: string }) => e.field));
    expect([...fields].sort()).toEqual(
      [
        'annualRatePercent',
        'dayCount',
        'disbursementDate',
        'frequency',
        'installmentMultiple',
        'numberOfInstallments',
        'principal',
        'principalGraceInstallments',
        'rounding',
        'termMonths',
      ].sort(),
    );
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'frequency', code: 'atMaturityOnlyBullet' })]),
    );
  });

  it('refuses a body that is not JSON with a problem, not a crash', async () => {
    // a body that is not JSON at all: beyond what the typed client can send
    const res = await request(t.http).post(URL).set('Content-Type', 'application/json').send('{"principal":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('POST /api/v1/schedules/preview: auth', () => {
  it('answers without a token while previewPublic is on (the default outside production)', async () => {
    expect(t.config.previewPublic).toBe(true);
    expect((await preview(VALID)).status).toBe(200);
  });

  it('still answers a caller with a bad token while public (the calculator ignores identity)', async () => {
    expect((await preview(VALID, 'not-a-token')).status).toBe(200);
  });

  describe('with PREVIEW_PUBLIC=false', () => {
    let closed: TestApp;
    let bankId: string;
    beforeAll(async () => {
      closed = await createTestApp({ PREVIEW_PUBLIC: 'false' });
      // a bank officer belongs to a bank: a bare row is all the preview needs (banks are another library's)
      const [bank] = await closed.db.dataSource.query(
        `INSERT INTO banks (code, name) VALUES ('PREVIEW', 'Preview test bank') RETURNING id`,
      );
      bankId = String(bank.id);
    });
    afterAll(async () => closed?.close());

    it('refuses a caller without a token with 401', async () => {
      const res = await apiCall(closed.api().POST(URL, { body: VALID as never }));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    it('refuses a bad token with 401', async () => {
      const res = await apiCall(closed.api('nope').POST(URL, { body: VALID as never }));
      expect(res.status).toBe(401);
    });

    it.each(['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'BANK_OFFICER', 'AUDITOR'] as const)(
      'answers %s',
      async (role) => {
        const token = await closed.tokenFor(role, role === 'BANK_OFFICER' ? { bankId } : {});
        const res = await apiCall(closed.api(token).POST(URL, { body: VECTORS[0].request as never }));
        expect(res.status).toBe(200);
        expect(res.body).toStrictEqual(VECTORS[0].expected);
      },
    );
  });
});

describe('OpenAPI', () => {
  it('documents the preview with its request example', async () => {
    // raw HTTP: the document itself is not an operation of the API, so the typed client has no path for it
    const res = await request(t.http).get('/docs-json');
    expect(res.status).toBe(200);
    const op = res.body.paths[URL]?.post;
    expect(op).toBeDefined();
    expect(JSON.stringify(op)).toContain('EQUAL_INSTALLMENT');
    expect(op.responses['200']).toBeDefined();
    expect(res.body.components.schemas.SchedulePreviewDto.properties.principal.example).toBe('5000.00');
  });
});
