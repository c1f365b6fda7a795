import type { OpenAPIObject } from '@nestjs/swagger';
import { ContractRecorder } from '#libs/testing';
import { problemSchemas } from '../../apps/api/src/openapi.js';

/** The recorder on its own, against a small document: what it accepts and what it reports. */
const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
const doc = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/api/v1/loans/{id}': {
      get: {
        operationId: 'getLoan',
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/LoanResponse' } } },
          },
          '404': { description: 'no', content: problem },
        },
      },
    },
    '/api/v1/loans/export': {
      get: {
        operationId: 'exportLoans',
        responses: {
          '200': { description: 'file', content: { 'text/csv': { schema: { type: 'string' } } } },
        },
      },
    },
    '/api/v1/loans/summary': {
      get: {
        operationId: 'loanSummary',
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { example: { n: 1 } } } } },
        },
      },
    },
    '/api/v1/loans/{id}/notes': {
      delete: { operationId: 'deleteNotes', responses: { '204': { description: 'gone' } } },
    },
  },
  components: {
    schemas: {
      ...problemSchemas(),
      LoanResponse: {
        type: 'object',
        required: ['id', 'principal', 'closedOn'],
        properties: {
          id: { type: 'string' },
          principal: { type: 'string', pattern: '^-?(0|[1-9][0-9]*)\\.[0-9]{2}$' },
          closedOn: { type: 'string', format: 'date', nullable: true },
          status: { type: 'string', enum: ['ACTIVE', 'CLOSED'] },
          extra: { type: 'object', description: 'free-form' },
        },
      },
    },
  },
} as unknown as OpenAPIObject;

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const notFound = {
  type: 'urn:problem:not_found',
  title: 'Not Found',
  status: 404,
  code: 'NOT_FOUND',
  detail: 'loan 9 not found',
};

describe('contract recorder', () => {
  let r: ContractRecorder;
  beforeEach(() => {
    r = new ContractRecorder(doc, { mode: 'strict', reportFile: '' });
  });

  it('accepts a body that matches the documented schema, null where nullable', () => {
    expect(
      r.check(
        'GET',
        '/api/v1/loans/7?x=1',
        200,
        JSON_TYPE,
        json({ id: '7', principal: '5000.00', closedOn: null }),
      ),
    ).toBeNull();
    expect(
      r.check(
        'GET',
        '/api/v1/loans/7',
        200,
        JSON_TYPE,
        json({
          id: '7',
          principal: '5000.00',
          closedOn: '2026-03-01',
          status: 'CLOSED',
          extra: { any: { thing: 1 } },
        }),
      ),
    ).toBeNull();
    expect(r.check('GET', '/api/v1/loans/7', 404, PROBLEM_TYPE, json(notFound))).toBeNull();
    expect(r.mismatches).toEqual([]);
    expect(() => r.finish()).not.toThrow();
  });

  it('reports a wrong type, a broken pattern, an undeclared property and a missing one', () => {
    const m = r.check(
      'GET',
      '/api/v1/loans/7',
      200,
      JSON_TYPE,
      json({ id: 7, principal: '5000', surprise: true }),
    );
    expect(m).toMatchObject({
      operationId: 'getLoan',
      method: 'GET',
      path: '/api/v1/loans/{id}',
      status: 200,
    });
    const text = m!.errors.join('\n');
    expect(text).toMatch(/\/id must be string/);
    expect(text).toMatch(/\/principal must match pattern/);
    expect(text).toMatch(/must NOT have additional properties 'surprise'/);
    expect(text).toMatch(/must have required property 'closedOn'/);
    expect(() => r.finish()).toThrow(
      /API contract: 1 response\(s\) of 1 do not match[\s\S]*getLoan GET \/api\/v1\/loans\/\{id\} → 200/,
    );
  });

  it('reports an undocumented status, media type or body, and a missing body', () => {
    expect(
      r.check(
        'GET',
        '/api/v1/loans/7',
        409,
        PROBLEM_TYPE,
        json({ ...notFound, status: 409, code: 'CONFLICT' }),
      )!.errors[0],
    ).toMatch(/status 409 is not documented/);
    expect(r.check('GET', '/api/v1/loans/7', 404, JSON_TYPE, json(notFound))!.errors[0]).toMatch(
      /media type application\/json is not documented/,
    );
    expect(r.check('DELETE', '/api/v1/loans/7/notes', 204, undefined, Buffer.alloc(0))).toBeNull();
    expect(r.check('DELETE', '/api/v1/loans/7/notes', 204, JSON_TYPE, json({}))!.errors[0]).toMatch(
      /no content is documented/,
    );
    expect(r.check('GET', '/api/v1/loans/7', 200, JSON_TYPE, Buffer.alloc(0))!.errors[0]).toMatch(
      /empty body/,
    );
    expect(
      r.check('GET', '/api/v1/loans/7', 404, PROBLEM_TYPE, json({ ...notFound, code: 'NO_SUCH_CODE' }))!
        .errors[0],
    ).toMatch(/\/code must be equal to one of the allowed values/);
  });

  it('counts an example without a schema as no schema', () => {
    expect(r.check('GET', '/api/v1/loans/summary', 200, JSON_TYPE, json({ n: 1 }))!.errors[0]).toMatch(
      /no schema is documented/,
    );
  });

  it('matches a literal segment before a parameter and checks only the media type of a file', () => {
    expect(
      r.check('GET', '/api/v1/loans/export', 200, 'text/csv; charset=utf-8', Buffer.from('a,b\n')),
    ).toBeNull();
    expect(
      r.check('GET', '/api/v1/loans/export', 200, 'application/pdf', Buffer.from('%PDF'))!.errors[0],
    ).toMatch(/not documented/);
  });

  it('lets an unknown route be refused with a problem before routing, and nothing else', () => {
    expect(
      r.check(
        'GET',
        '/no-such-route',
        404,
        PROBLEM_TYPE,
        json({ ...notFound, detail: 'Cannot GET /no-such-route' }),
      ),
    ).toBeNull();
    expect(r.check('POST', '/api/v1/loans/7', 404, PROBLEM_TYPE, json(notFound))).toBeNull();
    expect(r.check('GET', '/no-such-route', 200, JSON_TYPE, json({}))!.errors[0]).toMatch(
      /no operation GET \/no-such-route/,
    );
    expect(r.check('GET', '/no-such-route', 404, 'text/html', Buffer.from('<p>no</p>'))!.errors[0]).toMatch(
      /media type text\/html/,
    );
    expect(r.check('GET', '/docs-json', 200, JSON_TYPE, json({}))).toBeNull();
  });

  it('reads a nullable nested object (an allOf of one class) as that class or null', () => {
    const nested = {
      ...doc,
      paths: {
        '/api/v1/claims/{id}': {
          get: {
            operationId: 'getClaim',
            responses: {
              '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/ClaimResponse' } } } },
            },
          },
        },
      },
      components: {
        schemas: {
          ...doc.components!.schemas,
          ClaimResponse: {
            type: 'object',
            required: ['id', 'lastReport'],
            properties: {
              id: { type: 'string' },
              lastReport: { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/ReportRef' }] },
            },
          },
          ReportRef: { type: 'object', required: ['asOf'], properties: { asOf: { type: 'string', format: 'date' } } },
        },
      },
    } as unknown as OpenAPIObject;
    const c = new ContractRecorder(nested, { mode: 'strict' });
    expect(c.check('GET', '/api/v1/claims/1', 200, JSON_TYPE, json({ id: '1', lastReport: null }))).toBeNull();
    expect(c.check('GET', '/api/v1/claims/1', 200, JSON_TYPE, json({ id: '1', lastReport: { asOf: '2026-05-31' } }))).toBeNull();
    const bad = c.check('GET', '/api/v1/claims/1', 200, JSON_TYPE, json({ id: '1', lastReport: { asOf: '2026-05-31', extra: 1 } }));
    expect(bad!.errors.join('\n')).toMatch(/must NOT have additional properties 'extra'/);
  });

  it('in warn mode reports without failing', () => {
    const warn = new ContractRecorder(doc, { mode: 'warn', reportFile: '' });
    warn.check('GET', '/api/v1/loans/7', 418, JSON_TYPE, json({}));
    expect(warn.mismatches).toHaveLength(1);
    expect(() => warn.finish()).not.toThrow();
  });
});
