import type { OpenAPIObject } from '@nestjs/swagger';
import { ContractRecorder } from '#libs/testing';

/**
 * A nullable nested object, as @nestjs/swagger documents `@ApiProperty({ type: () => X, nullable: true })`:
 * `{ nullable: true, type: 'object', allOf: [{ $ref: X }] }`. Both null and an X are valid; anything else is not.
 */
const doc = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/api/v1/repayments/{id}': {
      get: {
        operationId: 'getRepayment',
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Repayment' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Reversal: {
        type: 'object',
        required: ['reason'],
        properties: { reason: { type: 'string' } },
      },
      Repayment: {
        type: 'object',
        required: ['id', 'reversal'],
        properties: {
          id: { type: 'string' },
          reversal: { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/Reversal' }] },
        },
      },
    },
  },
} as unknown as OpenAPIObject;

const check = (body: unknown) =>
  new ContractRecorder(doc, { mode: 'warn' }).check(
    'GET',
    '/api/v1/repayments/7',
    200,
    'application/json',
    Buffer.from(JSON.stringify(body)),
  );

describe('contract recorder: nullable nested objects', () => {
  it('accepts null and the referenced object', () => {
    expect(check({ id: '7', reversal: null })).toBeNull();
    expect(check({ id: '7', reversal: { reason: 'entered twice' } })).toBeNull();
  });

  it('still checks the referenced object: a missing or an undocumented property is a mismatch', () => {
    expect(check({ id: '7', reversal: {} })?.errors.join(' ')).toMatch(/reason/);
    expect(check({ id: '7', reversal: { reason: 'x', extra: 1 } })?.errors.join(' ')).toMatch(/extra/);
    expect(check({ id: '7', reversal: 'no' })).not.toBeNull();
  });
});
