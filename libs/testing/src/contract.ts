/**
 * The contract recorder: every HTTP response a test receives from the API is checked against the OpenAPI document
 * the API serves (the same object /docs-json answers with, built by apps/api/src/openapi.ts).
 *
 * HOW IT WORKS
 * createTestApp() attaches a recorder to the app's HTTP server (below Express, so even requests Express refuses
 * before routing are seen). For each response it finds the operation (method + path template of the document,
 * e.g. `GET /api/v1/loans/{id}`; literal segments win over parameters), then the documented response for the
 * status (exact, then `4XX`, then `default`), then the documented content for the response's media type:
 * - JSON (`application/json`, `application/problem+json`, any `+json`): the body is validated with Ajv against the
 *   documented schema. Objects that list their properties are CLOSED: a property the schema does not list is a
 *   mismatch (a response DTO must describe exactly what the handler returns), unless the schema says
 *   `additionalProperties` itself; a free-form object (`type: 'object'` without properties) takes anything. OpenAPI 3.0
 *   `nullable: true` is honoured; formats (date, date-time …) are checked.
 * - any other media type (CSV, XLSX, SVG …): only that the media type is documented for that status.
 * - an empty body: fine when the response documents no content (204, or a response without `content`).
 * A mismatch is: no operation for the request, an undocumented status, an undocumented media type, a body where
 * none is documented (or none where one is), a JSON response without a schema (an `example` alone is not one),
 * a body that does not match.
 *
 * The refusals (4xx/5xx) are added to every operation by apps/api/src/openapi.ts with the shared `Problem` schema;
 * one those rules do not add (e.g. 401 on the public login) is declared on the handler with the usual
 * `@ApiUnauthorizedResponse(problemExample(...))`, which the document then gives the `Problem` schema too.
 *
 * Requests that match no operation (an unknown route, a wrong method) are exempt when the app refuses them the way
 * every route is refused before routing: 400 (input guard), 404 (no route), 413 (body too large) or 503, with a body
 * matching the `Problem` schema. Anything else needs an entry in CONTRACT_EXEMPTIONS below, with its reason.
 *
 * Mismatches are collected per app (each test file creates its own with createTestApp) and, when the app closes:
 * - `CONTRACT=strict` (the default): `t.close()` throws a readable list, so the test file fails (the `afterAll` hook fails);
 * - `CONTRACT=warn`: a summary is printed, nothing fails;
 * - `CONTRACT=off`: nothing is recorded.
 * `CONTRACT_REPORT=<file>` appends every mismatch as it happens, one JSON object a line:
 *   {"operationId","method","path","status","errors","url","test","file"}
 * e.g. `CONTRACT_REPORT=/tmp/contract.jsonl npx vitest run test/repayment` then
 *   `jq -r '[.operationId,.status,.errors[0]]|@tsv' /tmp/contract.jsonl | sort | uniq -c`.
 * In a test, `t.contract.mismatches` is the list so far, `t.contract.clear()` forgets it (for a test that provokes
 * one on purpose, e.g. test/contract).
 *
 * Requests made through `t.http` (supertest) and through `t.api(...)` (the generated client, see test-app.ts) are
 * both seen: they reach the same server. New tests use the client:
 *   const res = await expectStatus(t.api('FUND_ADMIN').POST('/api/v1/risk-funds/{id}/deposits', {
 *     params: { path: { id }, header: { 'Idempotency-Key': key } }, body: { source: 'CITY', amount, receivedOn } }), 201);
 *   expect(res.body).toMatchObject(...)              // res.data is the typed body, res.headers a plain object
 * (`t.api(role | token | { apiKey })`; `apiCall(...)` when the test reads `status` itself.)
 *
 * AFTER CHANGING WHAT THE DOCUMENT SAYS (a DTO, a decorator, a controller): `npm run client:generate` and commit
 * docs/api/openapi.json and packages/api-client/src/schema.d.ts (test/contract/client.e2e.spec.ts fails until then).
 * Both files are generated: on a merge conflict in them take either side and run the command again.
 * Remove each operation you complete from test/contract/known-gaps.ts (test/contract/document.e2e.spec.ts says which).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { appendFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { OpenAPIObject } from '@nestjs/swagger';

// ajv-formats is CommonJS: its default export arrives as the module object under some loaders
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

/** Requests the contract does not apply to, each with its reason. */
export const CONTRACT_EXEMPTIONS: { method?: string; path: RegExp; reason: string }[] = [
  {
    path: /^\/(docs(\/|-json$|$)|swagger-ui[^/]*$|favicon)/,
    reason: 'the Swagger UI, its assets and the document itself',
  },
  {
    path: /^\/metrics$/,
    reason: 'the Prometheus scrape (text exposition format), excluded from the document on purpose',
  },
  {
    path: /^\/admin\/queues(\/|$)/,
    reason: 'the queue dashboard: HTML pages for ADMINs in a browser, excluded from the document',
  },
  {
    method: 'GET',
    path: /^\/console(\/|$)/,
    reason:
      'the admin console: its index.html and hashed assets (a static web app), excluded from the document',
  },
];

/** Statuses a request that matches no operation may get, before any handler (then with a Problem body). */
const PRE_ROUTING = new Set([400, 404, 413, 503]);

export type ContractMode = 'strict' | 'warn' | 'off';

export interface ContractMismatch {
  operationId: string | null;
  method: string;
  /** the path template of the operation, or the request path when none matched */
  path: string;
  status: number;
  errors: string[];
  url: string;
  test?: string;
  file?: string;
}

type Json = Record<string, unknown>;
type Content = Record<string, { schema?: Json }>;
type Op = { operationId?: string; responses?: Record<string, { $ref?: string; content?: Content }> };

interface Route {
  template: string;
  regex: RegExp;
  literals: number;
  ops: Record<string, Op>;
}

const JSON_MEDIA = (type: string) => type === 'application/json' || /^application\/[^;]*\+json$/.test(type);
const COMPONENTS_ID = 'urn:contract:components';

/** OpenAPI 3.0 schema → JSON Schema Ajv understands: nullable, component refs, closed objects. */
function convert(schema: unknown, inAllOf = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => convert(s));
  if (!schema || typeof schema !== 'object') return schema;
  const src = schema as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'nullable' || k === 'example' || k === 'examples' || k === 'discriminator' || k === 'xml')
      continue;
    if (k === '$ref' && typeof v === 'string') {
      out.$ref = v.startsWith('#/components/schemas/')
        ? `${COMPONENTS_ID}#/definitions/${v.slice('#/components/schemas/'.length)}`
        : v;
    } else if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, convert(s)]));
    } else if (k === 'allOf' && Array.isArray(v)) {
      out.allOf = v.map((s) => convert(s, v.length > 1));
    } else if (k === 'additionalProperties' && v && typeof v === 'object') {
      out.additionalProperties = convert(v);
    } else if (k === 'items' || k === 'not') {
      out[k] = convert(v);
    } else if ((k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) {
      out[k] = v.map((s) => convert(s));
    } else {
      out[k] = v;
    }
  }
  // a $ref's siblings are ignored by OpenAPI 3.0 (descriptions); keep only what matters
  if (out.$ref) {
    const ref = { $ref: out.$ref };
    return src.nullable === true ? { anyOf: [ref, { type: 'null' }] } : ref;
  }
  // a nullable nested object as @nestjs/swagger writes it ({ nullable, type: 'object', allOf: [{ $ref }] }): the
  // referenced schema or null (the `type` only carries the nullable, the referenced schema closes the object)
  if (src.nullable === true && Array.isArray(out.allOf) && out.properties === undefined) {
    const { type: _type, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] };
  }
  // an object that lists its properties is closed; a free-form one (`type: object` alone, a map) is not
  if (out.properties !== undefined && out.additionalProperties === undefined && !inAllOf)
    out.additionalProperties = false;
  if (src.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = [...out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

/** Whether a schema says what the JSON is ($ref, type, members), not merely shows an example. */
function describesJson(schema: Json | undefined): boolean {
  if (!schema) return false;
  return ['$ref', 'type', 'properties', 'items', 'allOf', 'oneOf', 'anyOf', 'enum'].some(
    (k) => schema[k] !== undefined,
  );
}

function formatsIn(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => formatsIn(v, into));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === 'format' && typeof v === 'string') into.add(v);
      else formatsIn(v, into);
    }
  return into;
}

const describe = (e: ErrorObject) => {
  const where = e.instancePath || '(body)';
  const extra =
    e.keyword === 'additionalProperties'
      ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
      : e.keyword === 'enum'
        ? ` ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues).slice(0, 200)}`
        : '';
  const got =
    e.keyword === 'additionalProperties' || e.keyword === 'required'
      ? ''
      : ` (got ${JSON.stringify(e.data)?.slice(0, 80)})`;
  return `${where} ${e.message}${extra}${got}`;
};

function currentTest(): { test?: string; file?: string } {
  try {
    const state = (
      globalThis as { expect?: { getState(): { currentTestName?: string; testPath?: string } } }
    ).expect?.getState();
    return { test: state?.currentTestName, file: state?.testPath };
  } catch {
    return {};
  }
}

/** Strict unless told otherwise: every test file fails on a response its operation does not document. */
export function contractMode(env: NodeJS.ProcessEnv = process.env): ContractMode {
  const v = (env.CONTRACT ?? 'strict').toLowerCase();
  return v === 'warn' || v === 'off' ? v : 'strict';
}

/** Checks responses against one OpenAPI document; collects the mismatches. */
export class ContractRecorder {
  readonly mismatches: ContractMismatch[] = [];
  /** how many responses were checked */
  checked = 0;
  private readonly routes: Route[];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(
    private readonly doc: OpenAPIObject,
    private readonly opts: { mode?: ContractMode; reportFile?: string } = {},
  ) {
    this.routes = Object.entries(doc.paths)
      .map(([template, item]) => {
        const segments = template.split('/');
        const regex = new RegExp(
          '^' +
            segments
              .map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
              .join('/') +
            '/?$',
        );
        return {
          template,
          regex,
          literals: segments.filter((s) => !/^\{.+\}$/.test(s)).length,
          ops: item as Record<string, Op>,
        };
      })
      .sort((a, b) => b.literals - a.literals || a.template.localeCompare(b.template));
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      verbose: true,
      allowUnionTypes: true,
      validateFormats: true,
    });
    addFormats(this.ajv);
    const schemas = (doc.components?.schemas ?? {}) as Json;
    for (const f of formatsIn(schemas, formatsIn(doc.paths, new Set())))
      if (!this.ajv.formats[f]) this.ajv.addFormat(f, true);
    this.ajv.addSchema({
      $id: COMPONENTS_ID,
      definitions: Object.fromEntries(Object.entries(schemas).map(([name, s]) => [name, convert(s)])),
    });
  }

  get mode(): ContractMode {
    return this.opts.mode ?? contractMode();
  }

  /** Sees every response of `server` from now on. */
  attach(server: Server): void {
    if (this.mode === 'off') return;
    const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.watch(req, res);
      for (const listener of listeners) listener.call(server, req, res);
    });
  }

  private watch(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    const take = (chunk: unknown, encoding: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      if (typeof chunk === 'string')
        chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = res.write;
    const end = res.end;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      take(chunk, rest[0]);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      take(chunk, rest[0]);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse['end'];
    const where = currentTest();
    // read now: Express rewrites req.url inside mounted routers
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    res.once('finish', () => {
      const type = res.getHeader('content-type');
      this.check(
        method,
        url,
        res.statusCode,
        typeof type === 'string' ? type : undefined,
        Buffer.concat(chunks),
        where,
      );
    });
  }

  /** Checks one response; records and returns the mismatch, or null. */
  check(
    method: string,
    url: string,
    status: number,
    contentType: string | undefined,
    body: Buffer,
    where: { test?: string; file?: string } = {},
  ): ContractMismatch | null {
    this.checked++;
    const path = url.split('?')[0];
    if (CONTRACT_EXEMPTIONS.some((e) => (!e.method || e.method === method) && e.path.test(path))) return null;
    // a conditional GET answered 304 (its ETag matched) has no body: the client keeps the 200 it already checked
    if (status === 304 && (method === 'GET' || method === 'HEAD')) return null;
    const m = method.toLowerCase();
    const route = this.routes.find((r) => r.regex.test(path) && r.ops[m]);
    const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
    const errors: string[] = [];
    let operationId: string | null = null;
    if (!route) {
      // refused before routing (or no such route): the pre-routing statuses, with a Problem body
      if (!PRE_ROUTING.has(status))
        errors.push(`no operation ${method} ${path} in the document (status ${status})`);
      else
        errors.push(
          ...this.body(
            `problem`,
            { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
            mediaType,
            body,
          ),
        );
    } else {
      const op = route.ops[m];
      operationId = op.operationId ?? null;
      const responses = op.responses ?? {};
      const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k]);
      if (!key)
        errors.push(`status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`);
      else
        errors.push(
          ...this.body(
            `${m} ${route.template} ${key}`,
            this.resolve(responses[key]).content,
            mediaType,
            body,
          ),
        );
    }
    if (!errors.length) return null;
    const mismatch: ContractMismatch = {
      operationId,
      method: method.toUpperCase(),
      path: route?.template ?? path,
      status,
      errors: errors.slice(0, 12),
      url,
      ...where,
    };
    this.mismatches.push(mismatch);
    const file = this.opts.reportFile ?? process.env.CONTRACT_REPORT;
    if (file) appendFileSync(file, JSON.stringify(mismatch) + '\n');
    return mismatch;
  }

  /** A response object, through its `$ref` to `#/components/responses/…` if it has one. */
  private resolve(response: { $ref?: string; content?: Content }): { content?: Content } {
    const ref = response.$ref;
    if (!ref) return response;
    const name = ref.replace('#/components/responses/', '');
    return ((this.doc.components?.responses ?? {}) as Record<string, { content?: Content }>)[name] ?? {};
  }

  private body(key: string, content: Content | undefined, mediaType: string, body: Buffer): string[] {
    const documented = Object.keys(content ?? {});
    if (!documented.length)
      return body.length ? [`a ${mediaType || 'untyped'} body is returned but no content is documented`] : [];
    if (!body.length) return [`an empty body is returned but ${documented.join(', ')} is documented`];
    const entry = content![mediaType] ?? content![mediaType.replace(/\/.*$/, '/*')] ?? content!['*/*'];
    if (!entry)
      return [`media type ${mediaType || '(none)'} is not documented (documented: ${documented.join(', ')})`];
    if (!JSON_MEDIA(mediaType)) return [];
    if (!describesJson(entry.schema))
      return [`no schema is documented for ${mediaType} (an example is not a schema)`];
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return [`the ${mediaType} body is not JSON`];
    }
    const id = `${key} ${mediaType}`;
    let validate = this.validators.get(id);
    if (!validate) {
      validate = this.ajv.compile(convert(entry.schema) as Json);
      this.validators.set(id, validate);
    }
    return validate(value) ? [] : (validate.errors ?? []).map(describe);
  }

  clear(): void {
    this.mismatches.length = 0;
  }

  /** The mismatches grouped by operation, status and error, as lines for a person. */
  summary(): string {
    const groups = new Map<string, { count: number; m: ContractMismatch }>();
    for (const m of this.mismatches) {
      const k = `${m.method} ${m.path} ${m.status} ${m.errors.join(' | ')}`;
      const g = groups.get(k);
      if (g) g.count++;
      else groups.set(k, { count: 1, m });
    }
    return [...groups.values()]
      .map(
        ({ count, m }) =>
          `- ${m.operationId ?? '(no operation)'} ${m.method} ${m.path} → ${m.status}${count > 1 ? ` (×${count})` : ''}` +
          (m.test ? `  [${m.test}]` : '') +
          '\n' +
          m.errors.map((e) => `    ${e}`).join('\n'),
      )
      .join('\n');
  }

  /** At app close: throws in strict mode when anything mismatched, prints a summary in warn mode. */
  finish(): void {
    if (!this.mismatches.length || this.mode === 'off') return;
    const text = `${this.mismatches.length} response(s) of ${this.checked} do not match the OpenAPI document:\n${this.summary()}`;
    if (this.mode === 'strict') throw new Error(`API contract: ${text}`);
    console.warn(
      `[contract] ${this.mismatches.length} response(s) of ${this.checked} do not match the OpenAPI document ` +
        '(CONTRACT=strict fails on this; CONTRACT_REPORT=<file> lists them)',
    );
  }
}
