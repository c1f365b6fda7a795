import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createTestApp } from '#libs/testing';
import {
  CLIENT_SCHEMA_FILE,
  DOCUMENT_FILE,
  renderClientSchema,
  renderDocument,
} from './openapi-artifacts.js';

/**
 * `npm run client:generate`: boots the API on a throw-away clone of the test template database (the document is
 * built from the running application, as /docs-json serves it), writes docs/api/openapi.json and regenerates the
 * client's types in packages/api-client/src/schema.d.ts.
 */
const t = await createTestApp({}, undefined);
try {
  for (const [file, text] of [
    [DOCUMENT_FILE, renderDocument(t.document)],
    [CLIENT_SCHEMA_FILE, await renderClientSchema(t.document)],
  ] as const) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
} finally {
  t.contract.clear();
  await t.close();
}
process.exit(0);
