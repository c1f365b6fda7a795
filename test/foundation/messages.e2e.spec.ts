import request from 'supertest';
import { createTestApp, TEST_ADMIN, type TestApp } from '#libs/testing';

/** problem+json in the caller's language (Accept-Language), keyed on the stable code; English stays the default. */
let t: TestApp;
let admin: string;
const api = () => request(t.http);
const HAN = /\p{Script=Han}/u;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.tokenFor('ADMIN');
});
afterAll(async () => t?.close());

describe('messages by Accept-Language', () => {
  it('says "is required" for a missing field, once, instead of the type and length rules', async () => {
    const res = await api().post('/api/v1/auth/login').send({ username: TEST_ADMIN.username }).expect(400);
    expect(res.body.errors).toEqual([
      { field: 'password', code: 'REQUIRED', message: 'password is required' },
    ]);
    expect(res.body.title).toBe('Bad Request');
    expect(res.headers['content-language']).toBe('en');
  });

  it('answers in Chinese for zh-CN: title, detail and every field message, codes unchanged', async () => {
    const res = await api()
      .post('/api/v1/auth/login')
      .set('Accept-Language', 'zh-CN,zh;q=0.9,en;q=0.8')
      .send({ username: TEST_ADMIN.username })
      .expect(400);
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
    const res = await api()
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .set('Accept-Language', 'zh-CN')
      .send({ username: 'li.wei', displayName: '李伟', password: 'x'.repeat(300), role: 'AUDITOR' })
      .expect(400);
    expect(res.body.errors).toEqual([
      { field: 'password', code: 'maxLength', message: '长度不能超过 256 个字符' },
    ]);
    const en = await api()
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'li.wei', displayName: '李伟', password: 'x'.repeat(300), role: 'AUDITOR' })
      .expect(400);
    expect(en.body.errors).toEqual([
      {
        field: 'password',
        code: 'maxLength',
        message: 'password must be shorter than or equal to 256 characters',
      },
    ]);
  });

  it('translates domain refusals and HTTP-level ones (401, 404) by code', async () => {
    const wrong = await api()
      .post('/api/v1/auth/login')
      .set('Accept-Language', 'zh-CN')
      .send({ username: TEST_ADMIN.username, password: 'wrong-password' })
      .expect(401);
    expect(wrong.body).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      title: '未登录或登录已失效',
      detail: '用户名或密码错误',
    });
    const missing = await api()
      .get('/api/v1/households/987654')
      .set('Authorization', `Bearer ${admin}`)
      .set('Accept-Language', 'zh')
      .expect(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expect(missing.body.detail).toBe('未找到该记录');
    const noToken = await api().get('/api/v1/households').set('Accept-Language', 'zh-CN').expect(401);
    expect(HAN.test(noToken.body.title) && HAN.test(noToken.body.detail)).toBe(true);
    const english = await api()
      .get('/api/v1/households/987654')
      .set('Authorization', `Bearer ${admin}`)
      .set('Accept-Language', 'en-US')
      .expect(404);
    expect(english.body.detail).toMatch(/987654/);
    expect(HAN.test(JSON.stringify(english.body))).toBe(false);
  });

  it('answers the input guard’s refusal in Chinese too', async () => {
    const res = await api()
      .get('/api/v1/households?name=%01')
      .set('Authorization', `Bearer ${admin}`)
      .set('Accept-Language', 'zh-CN')
      .expect(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'CONTROL_CHARACTER', message: '含有控制字符' });
  });
});
