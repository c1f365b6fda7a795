import { createTestApp, type TestApp } from '#libs/testing';
import { operationIdClashesOf, operationsOf, TAGS } from '../../apps/api/src/openapi.js';
import { documentGaps } from './document-rules.js';
import { KNOWN_GAPS } from './known-gaps.js';

/**
 * The gate of the API contract: every operation has a unique camelCase operationId (its handler's name), a summary,
 * declared security, exactly one success response with a typed JSON schema (or a file media type, or 204), and
 * every refusal is application/problem+json with the shared Problem schema; every tag has a description.
 * Operations not there yet are listed in known-gaps.ts, which may only shrink: an operation that passes must leave
 * the list (the test says so), one that is listed must really still fail.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('the OpenAPI document as a contract', () => {
  it('has every operation complete, except the known gaps (which only shrink)', () => {
    const gaps = documentGaps(t.document, operationIdClashesOf(t.app));
    const known = new Set(KNOWN_GAPS);
    const unexpected = [...gaps]
      .filter(([key]) => !known.has(key))
      .map(([key, why]) => `${key}: ${why.join('; ')}`);
    const fixed = [...known].filter((key) => !gaps.has(key));
    console.info(
      `[contract] ${gaps.size} of ${operationsOf(t.document).length} operations still have gaps (known-gaps.ts lists ${known.size})`,
    );
    expect(
      unexpected,
      'operations that break the rules (fix them; do not add them to known-gaps.ts)',
    ).toEqual([]);
    expect(fixed, 'operations now complete: remove them from test/contract/known-gaps.ts').toEqual([]);
  });

  it('describes every tag, used or declared', () => {
    const used = new Set(
      operationsOf(t.document).flatMap(({ op }) => (op as { tags?: string[] }).tags ?? []),
    );
    const described = new Map((t.document.tags ?? []).map((x) => [x.name, x.description ?? '']));
    expect([...used].filter((tag) => !described.get(tag))).toEqual([]);
    expect([...described].filter(([, d]) => !d.trim())).toEqual([]);
    expect(described.size).toBe(TAGS.length);
  });

  it('offers both the bearer token and the bank API key, each declared per operation', () => {
    const schemes = t.document.components?.securitySchemes ?? {};
    expect(schemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      'bank-api-key': { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
    });
    const ops = operationsOf(t.document).map(({ method, path, op }) => ({
      key: `${method} ${path}`,
      security: op.security,
    }));
    const byKey = new Map(ops.map((o) => [o.key, o.security]));
    expect(byKey.get('post /api/v1/auth/login')).toEqual([]);
    expect(byKey.get('get /api/v1/users')).toEqual([{ bearer: [] }]);
    // an operation the bank role may call takes either scheme
    expect(ops.filter((o) => o.security?.some((s) => 'bank-api-key' in s)).length).toBeGreaterThan(5);
    expect(byKey.get('get /api/v1/covered-loans')).toEqual([{ bearer: [] }, { 'bank-api-key': [] }]);
  });

  it('documents every refusal as problem+json with the error codes as an enum', () => {
    const schemas = t.document.components?.schemas as Record<
      string,
      { enum?: string[]; properties?: Record<string, unknown> }
    >;
    expect(schemas.ErrorCode.enum).toEqual(
      expect.arrayContaining([
        'VALIDATION_FAILED',
        'IDEMPOTENCY_KEY_REUSED',
        'LOAN_NOT_REPAYABLE',
        'INTERNAL',
      ]),
    );
    expect(Object.keys(schemas.Problem.properties!)).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'code', 'detail', 'errors', 'instance']),
    );
    const login = t.document.paths['/api/v1/auth/login'].post!;
    expect(Object.keys(login.responses)).toEqual(expect.arrayContaining(['400', '401', '429', '503']));
    expect(Object.keys(t.document.paths['/health'].get!.responses)).not.toContain('401');
  });
});
