import { createTestApp, expectStatus, TEST_ADMIN, type TestApp } from '#libs/testing';

/** problem+json in the caller's language (Accept-Language), keyed on the stable code; English stays the default. */
let t: TestApp;
let admin: string;
const HAN = /\p{Script=Han}/u;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.tokenFor('ADMIN');
});
afterAll(async () => t?.close());

describe('messages by Accept-Language', () => {
  it('says "is required" for a missing field, once, instead of the type and length rules', async () => {
    const res = await expectStatus(t.api().POST('/api/v1/auth/login', { body: { username: TEST_ADMIN.username } as never }), 400);
    expect(res.body.errors).toEqual([
      { field: 'password', code: 'REQUIRED', message: 'password is required' },
    ]);
    expect(res.body.title).toBe('Bad Request');
    expect(res.headers['content-language']).toBe('en');
  });

  it('answers in Chinese for zh-CN: title, detail and every field message, codes unchanged', async () => {
    const res = await expectStatus(
      t.api().POST('/api/v1/auth/login', {
        body: { username: TEST_ADMIN.username } as never,
        headers: { 'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.8' },
      }),
      400,
    );
    expect(res.headers['content-language']).toBe('zh-CN');
    expect(res.headers.vary).toMatch(/Accept-Language/i);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      title: '请求无效',
      detail: '请求内容不符合要求：password',
    });
    expect(res.body.errors).toEqual([{ field: 'password', code: 'REQUIRED', message: '必填' }]);
  });

  it('fills a constraint’s figure into the Chinese message (maxLength 256)', async () => {
    const body = { username: 'li.wei', displayName: '李伟', password: 'x'.repeat(300), role: 'AUDITOR' as const };
    const res = await expectStatus(
      t.api(admin).POST('/api/v1/users', { body, headers: { 'Accept-Language': 'zh-CN' } }),
      400,
    );
    expect(res.body.errors).toEqual([
      { field: 'password', code: 'maxLength', message: '长度不能超过 256 个字符' },
    ]);
    const en = await expectStatus(t.api(admin).POST('/api/v1/users', { body }), 400);
    expect(en.body.errors).toEqual([
      {
        field: 'password',
        code: 'maxLength',
        message: 'password must be shorter than or equal to 256 characters',
      },
    ]);
  });

  it('translates domain refusals and HTTP-level ones (401, 404) by code', async () => {
    const wrong = await expectStatus(
      t.api().POST('/api/v1/auth/login', {
        body: { username: TEST_ADMIN.username, password: 'wrong-password' },
        headers: { 'Accept-Language': 'zh-CN' },
      }),
      401,
    );
    expect(wrong.body).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      title: '未登录或登录已失效',
      detail: '用户名或密码错误',
    });
    const household = (language: string) =>
      t.api(admin).GET('/api/v1/households/{id}', { params: { path: { id: '987654' } }, headers: { 'Accept-Language': language } });
    const missing = await expectStatus(household('zh'), 404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expect(missing.body.detail).toBe('未找到该记录');
    const noToken = await expectStatus(t.api().GET('/api/v1/households', { headers: { 'Accept-Language': 'zh-CN' } }), 401);
    expect(HAN.test(noToken.body.title) && HAN.test(noToken.body.detail)).toBe(true);
    const english = await expectStatus(household('en-US'), 404);
    expect(english.body.detail).toMatch(/987654/);
    expect(HAN.test(JSON.stringify(english.body))).toBe(false);
  });

  it('answers the input guard’s refusal in Chinese too', async () => {
    const res = await expectStatus(
      t.api(admin).GET('/api/v1/households', { params: { query: { name: '\u0001' } }, headers: { 'Accept-Language': 'zh-CN' } }),
      400,
    );
    expect(res.body.errors[0]).toMatchObject({ code: 'CONTROL_CHARACTER', message: '含有控制字符' });
  });
});
