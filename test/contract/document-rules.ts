import type { OpenAPIObject } from '@nestjs/swagger';
import { operationsOf, PROBLEM_MEDIA_TYPE, type OperationIdClash } from '../../apps/api/src/openapi.js';

/**
 * The rules every operation of the document must follow, as a list of what each one breaks (keyed `METHOD path`).
 * Used by document.e2e.spec.ts.
 */

type Schema = {
  $ref?: string;
  type?: string;
  items?: Schema;
  properties?: object;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  additionalProperties?: unknown;
};
type Response = { $ref?: string; content?: Record<string, { schema?: Schema }> };

const CAMEL = /^[a-z][a-zA-Z0-9]*$/;

/** A schema that says what the JSON is (a component, a type with its members), not an example only. */
export function isTyped(schema: Schema | undefined): boolean {
  if (!schema) return false;
  if (schema.$ref) return true;
  for (const k of ['allOf', 'oneOf', 'anyOf'] as const)
    if (schema[k]?.length) return schema[k]!.every(isTyped);
  if (schema.type === 'array') return isTyped(schema.items);
  if (schema.type === 'object')
    return schema.properties !== undefined || typeof schema.additionalProperties === 'object';
  return typeof schema.type === 'string';
}

export function documentGaps(doc: OpenAPIObject, clashes: OperationIdClash[]): Map<string, string[]> {
  const gaps = new Map<string, string[]>();
  const add = (key: string, why: string) => gaps.set(key, [...(gaps.get(key) ?? []), why]);
  const ids = new Map<string, number>();
  for (const { op } of operationsOf(doc))
    ids.set(op.operationId ?? '', (ids.get(op.operationId ?? '') ?? 0) + 1);
  const clashed = new Map(clashes.map((c) => [c.operationId, c.handler]));

  for (const { method, path, op } of operationsOf(doc)) {
    const key = `${method.toUpperCase()} ${path}`;
    const o = op as typeof op & { summary?: string; tags?: string[] };
    const id = o.operationId ?? '';
    if (!CAMEL.test(id)) add(key, `operationId "${id}" is not camelCase`);
    if ((ids.get(id) ?? 0) > 1) add(key, `operationId "${id}" is not unique`);
    if (clashed.has(id))
      add(key, `handler ${clashed.get(id)} shares its method name with another handler (rename it)`);
    if (!o.summary?.trim()) add(key, 'no summary');
    if (!o.security) add(key, 'no security declared');

    const responses = o.responses as Record<string, Response>;
    const success = Object.keys(responses).filter((s) => /^2/.test(s));
    if (success.length !== 1)
      add(key, `${success.length} success responses (${success.join(', ') || 'none'}), one expected`);
    for (const status of success) {
      const content = responses[status].content ?? {};
      const types = Object.keys(content);
      if (status === '204') {
        if (types.length) add(key, '204 with content');
        continue;
      }
      if (!types.length) add(key, `${status} without content`);
      for (const type of types) {
        if (/json/.test(type) && !isTyped(content[type].schema))
          add(key, `${status} ${type} has no typed schema`);
      }
    }
    for (const [status, response] of Object.entries(responses)) {
      if (!/^[45]/.test(status) || response.$ref?.startsWith('#/components/responses/')) continue;
      const content = response.content ?? {};
      if (
        Object.keys(content).join() !== PROBLEM_MEDIA_TYPE ||
        content[PROBLEM_MEDIA_TYPE].schema?.$ref !== '#/components/schemas/Problem'
      )
        add(key, `${status} is not ${PROBLEM_MEDIA_TYPE} with the Problem schema`);
    }
  }
  return gaps;
}
