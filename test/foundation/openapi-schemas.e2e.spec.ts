import { Logger } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { createTestApp, type TestApp } from '#libs/testing';

/**
 * Schema names are global in an OpenAPI document: two DTO classes of the same name (in different libraries)
 * would share one schema, so one of their endpoints would be documented with the other's body.
 */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const bodySchema = (doc: OpenAPIObject, path: string) => {
  const body = doc.paths[path].post!.requestBody as { content: Record<string, { schema: { $ref: string } }> };
  const name = body.content['application/json'].schema.$ref.split('/').pop()!;
  return doc.components!.schemas![name] as { properties: Record<string, unknown> };
};

describe('OpenAPI schemas', () => {
  it('has no two DTOs of one name, so every endpoint documents its own body', () => {
    // the generator reports a clash only as a warning (and keeps the last class it saw)
    const warnings: string[] = [];
    const warn = Logger.warn.bind(Logger);
    Logger.warn = (message: unknown) => void warnings.push(String(message));
    let doc: OpenAPIObject;
    try {
      doc = SwaggerModule.createDocument(t.app, new DocumentBuilder().build());
    } finally {
      Logger.warn = warn;
    }
    expect(warnings.filter((m) => m.includes('Duplicate DTO'))).toEqual([]);
    expect(Object.keys(bodySchema(doc, '/api/v1/mutual-aid-funds/{id}/withdrawals').properties)).toEqual([
      'householdId',
      'amount',
      'reason',
      'withdrawnOn',
    ]);
    expect(bodySchema(doc, '/api/v1/risk-funds/{id}/withdrawals').properties).toHaveProperty('source');
    for (const action of ['object', 'reject', 'cancel']) {
      expect(Object.keys(bodySchema(doc, `/api/v1/loan-applications/{id}/${action}`).properties)).toEqual([
        'version',
        'reason',
      ]);
    }
    expect(Object.keys(bodySchema(doc, '/api/v1/repayments/{id}/reversal').properties)).toEqual(['reason']);
  });
});

describe('OpenAPI document as served', () => {
  it('describes every tag its operations use, so the UI groups them with a sentence each', async () => {
    const request = (await import('supertest')).default;
    const doc = (await request(t.http).get('/docs-json').expect(200)).body as OpenAPIObject;
    const used = new Set<string>();
    for (const item of Object.values(doc.paths))
      for (const op of Object.values(item as Record<string, { tags?: string[] }>)) for (const tag of op.tags ?? []) used.add(tag);
    const described = new Map((doc.tags ?? []).map((x) => [x.name, x.description ?? '']));
    const missing = [...used].filter((tag) => !described.get(tag));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(20);
  });

  it('keeps a token entered in the UI across reloads and offers the operation filter', async () => {
    const request = (await import('supertest')).default;
    const init = await request(t.http).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toMatch(/"persistAuthorization":\s*true/);
    expect(init.text).toMatch(/"filter":\s*true/);
  });
});
