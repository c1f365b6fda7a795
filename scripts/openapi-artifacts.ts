import type { OpenAPIObject } from '@nestjs/swagger';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

/**
 * The files generated from the served OpenAPI document, committed so a change to the contract shows in review:
 * the document itself and the types of the client package. `npm run client:generate` writes them;
 * test/contract/client.e2e.spec.ts fails when they differ from what the running API serves.
 */
export const DOCUMENT_FILE = 'docs/api/openapi.json';
export const CLIENT_SCHEMA_FILE = 'packages/api-client/src/schema.d.ts';
/** The copy of the document of the last release, the baseline of `npm run api:breaking`. */
export const RELEASE_BASELINE_FILE = 'docs/api/releases/v1.json';

export function renderDocument(doc: OpenAPIObject): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/**
 * The `paths`, `components` and `operations` types of the client, as openapi-typescript prints them. A property is
 * required when the document says so: a default (`isPilot`, default false) leaves an input field optional, which
 * openapi-typescript's defaultNonNullable would otherwise make required in every request body given by reference.
 */
export async function renderClientSchema(doc: OpenAPIObject): Promise<string> {
  const ast = await openapiTS(JSON.parse(JSON.stringify(doc)) as never, { defaultNonNullable: false });
  return COMMENT_HEADER + astToString(ast);
}
