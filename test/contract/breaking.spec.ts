import { breakingChanges, type ApiDocument } from '../../scripts/openapi-diff.js';

/** The comparer behind `npm run api:breaking`, on a small document and its changes. */
const base = (): ApiDocument =>
  JSON.parse(
    JSON.stringify({
      paths: {
        '/api/v1/loans/{id}/repayments': {
          post: {
            parameters: [
              { in: 'path', name: 'id', required: true, schema: { type: 'string' } },
              { in: 'header', name: 'Idempotency-Key', required: true, schema: { type: 'string' } },
            ],
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/RepaymentDto' } } },
            },
            responses: {
              '201': {
                content: {
                  'application/json': { schema: { $ref: '#/components/schemas/RepaymentResponse' } },
                },
              },
            },
            security: [{ bearer: [] }, { 'bank-api-key': [] }],
          },
        },
        '/api/v1/loans': {
          get: {
            responses: {
              '200': {
                content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } } } },
              },
            },
          },
        },
      },
      components: {
        schemas: {
          RepaymentDto: {
            type: 'object',
            required: ['amount'],
            properties: {
              amount: { type: 'string' },
              channel: { type: 'string', enum: ['CASH', 'BANK'] },
              memo: { type: 'string' },
            },
          },
          RepaymentResponse: {
            type: 'object',
            required: ['id', 'status'],
            properties: {
              id: { type: 'string' },
              status: { type: 'string', enum: ['POSTED', 'REVERSED'] },
              valueDate: { type: 'string', format: 'date' },
            },
          },
        },
      },
    }),
  );

describe('api:breaking', () => {
  it('finds nothing between a document and itself', () => {
    expect(breakingChanges(base(), base())).toEqual([]);
  });

  it('lets additions through: an operation, an optional request field, a response field, a request enum value', () => {
    const head = base();
    head.paths['/api/v1/households'] = { get: { responses: { '200': {} } } };
    const s = head.components!.schemas!;
    s.RepaymentDto.properties!.payer = { type: 'string' };
    s.RepaymentDto.properties!.channel.enum!.push('WECHAT');
    s.RepaymentResponse.properties!.principal = { type: 'string' };
    s.RepaymentResponse.required!.push('principal');
    expect(breakingChanges(base(), head)).toEqual([]);
  });

  it('lists removals, new required input, changed types and statuses, narrowed request and widened response enums', () => {
    const head = base();
    delete head.paths['/api/v1/loans'];
    const op = head.paths['/api/v1/loans/{id}/repayments'].post as {
      responses: Record<string, unknown>;
      security: unknown[];
    };
    op.responses = { '200': op.responses['201'] };
    op.security = [{ bearer: [] }];
    const s = head.components!.schemas!;
    s.RepaymentDto.required!.push('valueDate');
    s.RepaymentDto.properties!.valueDate = { type: 'string' };
    s.RepaymentDto.properties!.channel.enum = ['BANK'];
    delete s.RepaymentDto.properties!.memo;
    expect(breakingChanges(base(), head)).toEqual([
      'GET /api/v1/loans: operation removed',
      'POST /api/v1/loans/{id}/repayments request body.channel: enum narrowed, CASH no longer accepted',
      'POST /api/v1/loans/{id}/repayments request body.memo: removed',
      'POST /api/v1/loans/{id}/repayments request body.valueDate: new required field',
      'POST /api/v1/loans/{id}/repayments response 201: removed (now 200)',
      'POST /api/v1/loans/{id}/repayments security: bank-api-key no longer accepted',
    ]);

    const typed = base();
    const r = typed.components!.schemas!.RepaymentResponse;
    r.properties!.id = { type: 'integer' };
    r.properties!.status.enum!.push('PENDING');
    r.required = ['id'];
    r.properties!.valueDate = { type: 'string', format: 'date', nullable: true };
    expect(breakingChanges(base(), typed)).toEqual([
      'POST /api/v1/loans/{id}/repayments response 201.id: type changed string → integer',
      'POST /api/v1/loans/{id}/repayments response 201.status: enum widened with PENDING',
      'POST /api/v1/loans/{id}/repayments response 201.status: no longer always present',
      'POST /api/v1/loans/{id}/repayments response 201.valueDate: may now be null',
    ]);
  });
});
