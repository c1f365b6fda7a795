import { readFileSync } from 'node:fs';
import { createTestApp, type TestApp } from '#libs/testing';
import {
  CLIENT_SCHEMA_FILE,
  DOCUMENT_FILE,
  renderClientSchema,
  renderDocument,
} from '../../scripts/openapi-artifacts.js';

/**
 * The committed document (docs/api/openapi.json) and the client's types (packages/api-client/src/schema.d.ts) are
 * what the running API serves: a change to a controller or DTO without `npm run client:generate` fails here.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const committed = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const HINT =
  'run `npm run client:generate` and commit docs/api/openapi.json and packages/api-client/src/schema.d.ts';

describe('the generated client', () => {
  it('is generated from the document the API serves', async () => {
    const served = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    expect(served, 'the served document is the one the tests check responses against').toEqual(
      JSON.parse(JSON.stringify(t.document)),
    );
    expect(
      committed(DOCUMENT_FILE) === renderDocument(t.document),
      `${DOCUMENT_FILE} is out of date: ${HINT}`,
    ).toBe(true);
    expect(
      committed(CLIENT_SCHEMA_FILE) === (await renderClientSchema(t.document)),
      `${CLIENT_SCHEMA_FILE} is out of date: ${HINT}`,
    ).toBe(true);
  });

  it('calls the API with its types, a token and a bank key', async () => {
    const anonymous = await t.api().GET('/api/v1/auth/me');
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    const me = await t.api('AUDITOR').GET('/api/v1/auth/me');
    expect(me.response.status).toBe(200);
    expect(me.data).toMatchObject({ role: 'AUDITOR' });
    const badKey = await t.api({ apiKey: 'mae_nope_0000' }).GET('/api/v1/auth/me');
    expect(badKey.error).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(t.contract.checked).toBeGreaterThanOrEqual(4);
  });
});
