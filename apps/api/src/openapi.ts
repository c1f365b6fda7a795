import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import {
  ERROR_STATUS,
  FIELD_ERROR_CODES,
  PUBLIC_KEY,
  PUBLIC_WHEN_KEY,
  ROLES_KEY,
  type Role,
} from '#libs/common';

/**
 * The OpenAPI document of the API: built once per application (bootstrap.ts serves it at /docs-json, the contract
 * recorder of the tests validates every response against it, `npm run client:generate` writes it to
 * docs/api/openapi.json and generates packages/api-client from it).
 *
 * On top of what the controllers declare, the document makes it a contract (`finish` below):
 * - operationIds are the handler method names (unique across the API, checked by test/contract; see `finish` for
 *   the interim rule on a name two handlers share);
 * - every operation declares its security: none for public ones, the bearer token, and the bank API key
 *   (`X-Api-Key`) where the bank role may call it;
 * - every operation documents the refusals that apply to it as `application/problem+json` with the one shared
 *   `Problem` schema (the error codes as an enum): 400 and 403 always (validation, the input guard; a
 *   signed-in caller's role or area), 401 unless public,
 *   404 with path parameters or a body, 409 on writes (unique keys, state conflicts, idempotency-key reuse),
 *   413 with a body, 415 with a non-JSON (file) body, 422 with parameters or a body or on writes, 429 unless the
 *   rate limit is skipped, 500 and 503 always. The common ones are `#/components/responses/…`; a refusal a controller
 *   documented itself keeps its description and example, with the shared schema.
 */

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const TITLE = 'Mutual-aid fund and guarantee pool engine';

const DESCRIPTION =
  'Back office for village mutual-aid funds, district guarantee funds, interest subsidies and reports. ' +
  'Money is a decimal string in yuan ("5000.00"); rates are percent per year ("4.35"); dates are YYYY-MM-DD ' +
  '(Asia/Shanghai business dates). Errors are application/problem+json with a stable `code` (the `Problem` schema). ' +
  'Money-moving POSTs require an Idempotency-Key header. Staff sign in for a bearer token; partner banks may use ' +
  'their API key in the X-Api-Key header on the operations the bank role may call.';

export const TAGS: [string, string][] = [
  ['auth', 'Sign in (a short-lived bearer token), who am I, sign out.'],
  ['users', 'Staff accounts and roles (ADMIN).'],
  ['audit', 'The append-only audit log of every write.'],
  [
    'ledger',
    'The double-entry ledger: accounts, balances, statements by value date, journal entries, verify.',
  ],
  [
    'business-date',
    'The business date every decision reads; moving it forward day by day outside production.',
  ],
  ['geography', 'Districts, towns, villages and poverty lines.'],
  ['households', 'The poverty registry: households with masked personal data, CSV import.'],
  [
    'operating entities',
    'Cooperatives and enterprises linked to poor households (each household counted once).',
  ],
  ['joint-liability groups', 'Groups of borrowers who endorse and answer for each other.'],
  ['products', 'Versioned loan products and their rules.'],
  ['benchmark-rates', 'Effective-dated benchmark rates by term band.'],
  ['schedules', 'Exact repayment schedules (the preview contract).'],
  [
    'mutual-aid-funds',
    'Village mutual-aid funds: rules, contributions, member shares, withdrawals, position.',
  ],
  [
    'loan applications',
    'Applications, eligibility, group endorsement, maker-checker approval, public notice.',
  ],
  ['loans', 'Loans, their schedules, disbursement and history.'],
  [
    'repayments',
    'Value-dated repayments, payoff, reversal, write-off and recoveries, year-end fee distribution.',
  ],
  ['close-of-business', 'The daily close of business: ageing, penalties, calls, portfolio snapshots.'],
  ['banks', 'Partner banks and their API keys.'],
  ['risk funds', 'District guarantee funds: deposits, interest, withdrawals, the breaker.'],
  ['guarantee agreements', 'Cooperation agreements: leverage multiple, loss share, NPL threshold.'],
  ['covered bank loans', 'Bank loans under cover: registration, status and repayment reports, compensation.'],
  ['reconciliation', 'Bank statements matched against the engine.'],
  ['subsidy', 'Interest-subsidy programmes, budgets, policies, claims and their queue.'],
  ['funding', 'The contributions register and matching compliance.'],
  ['reminders', 'Repayment reminders: endpoints, the outbox, selection runs.'],
  ['reports', 'Monthly leverage reports: versions and what changed, ranking, exports, chart.'],
  ['asset-income', 'Asset-income projects: quantified shares, yearly dividends with the floor, liquidation.'],
  ['projections', 'What a fund can do over the next years: scenarios, seeded Monte Carlo runs, P10/P50/P90 bands, fan charts.'],
  ['ops', 'Health and metrics.'],
];

export const BEARER_SCHEME = 'bearer';
export const API_KEY_SCHEME = 'bank-api-key';

/** Codes the problem filter emits besides the domain codes (all of them are domain codes today; kept explicit). */
const NON_DOMAIN_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
];

export const ERROR_CODES = [...new Set([...Object.keys(ERROR_STATUS), ...NON_DOMAIN_CODES])].sort();

/** The shared schemas every error response references. */
export function problemSchemas(): Record<string, object> {
  return {
    ErrorCode: {
      type: 'string',
      enum: ERROR_CODES,
      description: 'The stable machine-readable reason of a refusal.',
    },
    FieldErrorCode: {
      type: 'string',
      enum: [...new Set([...FIELD_ERROR_CODES, ...ERROR_CODES])].sort(),
      description:
        'Why one field was refused: a field code, or an error code when a whole refusal concerns one line of a batch.',
    },
    ProblemFieldError: {
      type: 'object',
      required: ['field', 'message'],
      properties: {
        field: { type: 'string', example: 'amount' },
        code: { $ref: '#/components/schemas/FieldErrorCode' },
        message: { type: 'string', example: 'must be a yuan amount with two decimals' },
      },
    },
    Problem: {
      type: 'object',
      description:
        'RFC 9457 problem details. Further members (extensions) may appear for some codes, e.g. `errorId` on INTERNAL.',
      required: ['type', 'title', 'status', 'code', 'detail'],
      properties: {
        type: { type: 'string', example: 'urn:problem:validation_failed' },
        title: { type: 'string', example: 'Bad Request' },
        status: { type: 'integer', example: 400 },
        code: { $ref: '#/components/schemas/ErrorCode' },
        detail: { type: 'string', example: 'Invalid request: amount' },
        instance: { type: 'string', example: '/api/v1/loans/42/repayments' },
        errors: { type: 'array', items: { $ref: '#/components/schemas/ProblemFieldError' } },
        errorId: { type: 'string', description: 'Quote it to support (INTERNAL only).' },
      },
      additionalProperties: true,
    },
  };
}

const STANDARD: Record<string, string> = {
  '400': 'The request is malformed or fails validation (VALIDATION_FAILED, IDEMPOTENCY_KEY_REQUIRED …)',
  '401': 'No valid credentials (UNAUTHENTICATED, TOKEN_REVOKED …)',
  '403': 'The caller’s role may not do this (FORBIDDEN, maker-checker …)',
  '404': 'A resource the request names does not exist (NOT_FOUND)',
  '409': 'Conflicts with the current state (a unique key, a state transition, an Idempotency-Key reused …)',
  '413': 'The request body is too large (PAYLOAD_TOO_LARGE)',
  '415': 'The media type of the request body is not supported',
  '422': 'A business rule refuses the request',
  '429': 'Too many requests (RATE_LIMITED); see Retry-After',
  '500': 'An unexpected error (INTERNAL, with an errorId)',
  '503': 'A service the engine depends on is unavailable (SERVICE_UNAVAILABLE); see Retry-After',
};

interface HandlerInfo {
  isPublic: boolean;
  roles: Role[];
  skipThrottle: boolean;
}

/** The route metadata of every controller handler, by `Controller#method`. */
function handlerInfo(app: INestApplication): Map<string, HandlerInfo> {
  const out = new Map<string, HandlerInfo>();
  for (const mod of app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const cls = wrapper.metatype as Type<unknown> | undefined;
      if (!cls?.prototype) continue;
      for (const key of Object.getOwnPropertyNames(cls.prototype)) {
        if (key === 'constructor') continue;
        const handler = (cls.prototype as Record<string, unknown>)[key];
        if (typeof handler !== 'function') continue;
        const meta = <T>(k: string) =>
          (Reflect.getMetadata(k, handler) ?? Reflect.getMetadata(k, cls)) as T | undefined;
        out.set(`${cls.name}#${key}`, {
          isPublic: Boolean(meta<boolean>(PUBLIC_KEY)) || meta<string>(PUBLIC_WHEN_KEY) !== undefined,
          roles: meta<Role[]>(ROLES_KEY) ?? [],
          skipThrottle: Boolean(meta<boolean>('THROTTLER:SKIPdefault')),
        });
      }
    }
  }
  return out;
}

type Operation = {
  operationId?: string;
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<
    string,
    { description?: string; content?: Record<string, { schema?: unknown; example?: unknown }> }
  >;
  security?: Record<string, string[]>[];
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/** Every operation of a document with its method and path. */
export function operationsOf(doc: OpenAPIObject): { method: string; path: string; op: Operation }[] {
  const out: { method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (op) out.push({ method, path, op });
    }
  return out;
}

const RESPONSE_NAMES: Record<string, string> = {
  '400': 'BadRequest',
  '401': 'Unauthorized',
  '403': 'Forbidden',
  '404': 'NotFound',
  '409': 'Conflict',
  '413': 'PayloadTooLarge',
  '415': 'UnsupportedMediaType',
  '422': 'UnprocessableEntity',
  '429': 'TooManyRequests',
  '500': 'InternalError',
  '503': 'ServiceUnavailable',
};

const problemContent = (example?: unknown) => ({
  [PROBLEM_MEDIA_TYPE]: {
    schema: { $ref: '#/components/schemas/Problem' },
    ...(example !== undefined ? { example } : {}),
  },
});

/** The shared refusals (`#/components/responses/NotFound` …), which operations reference unless they say more. */
function standardResponses(): Record<string, object> {
  return Object.fromEntries(
    Object.entries(RESPONSE_NAMES).map(([status, name]) => [
      name,
      { description: STANDARD[status], content: problemContent() },
    ]),
  );
}

/** A refusal: the shared one, or the operation's own description and example with the shared schema. */
function problemResponse(status: string, existing?: Operation['responses'][string]) {
  const old = existing?.content && Object.values(existing.content)[0];
  const example = old?.example ?? (old?.schema as { example?: unknown } | undefined)?.example;
  const own = (existing?.description && existing.description !== STANDARD[status]) || example !== undefined;
  if (!own && RESPONSE_NAMES[status]) return { $ref: `#/components/responses/${RESPONSE_NAMES[status]}` };
  return {
    description: existing?.description || STANDARD[status] || 'Refused',
    content: problemContent(example),
  };
}

/** A handler whose method name another handler also uses: its operationId had to be qualified. */
export interface OperationIdClash {
  operationId: string;
  handler: string;
}

/**
 * Applies the contract rules above to a freshly scanned document (operationIds still `Controller#method`). A method
 * name two handlers share cannot be an operationId (they must be unique): such operations get the method name
 * followed by the controller's name (`list` of ProductsController → `listProducts`) and are reported as clashes,
 * which test/contract refuses (rename the handlers).
 */
function finish(
  doc: OpenAPIObject,
  handlers: Map<string, HandlerInfo>,
  clashes: OperationIdClash[],
): OpenAPIObject {
  doc.components ??= {};
  doc.components.schemas = { ...(doc.components.schemas ?? {}), ...problemSchemas() } as never;
  doc.components.responses = { ...(doc.components.responses ?? {}), ...standardResponses() } as never;
  const methodName = (id: string) => id.slice(id.indexOf('#') + 1);
  const uses = new Map<string, number>();
  for (const { op } of operationsOf(doc))
    uses.set(methodName(op.operationId ?? ''), (uses.get(methodName(op.operationId ?? '')) ?? 0) + 1);
  for (const { method, op } of operationsOf(doc)) {
    const id = op.operationId ?? '';
    const info = handlers.get(id) ?? { isPublic: false, roles: [], skipThrottle: false };
    op.operationId = methodName(id);
    if ((uses.get(op.operationId) ?? 0) > 1) {
      op.operationId += id.slice(0, id.indexOf('#')).replace(/Controller$/, '');
      clashes.push({ operationId: op.operationId, handler: id.replace('#', '.') });
    }
    const hasPathParams = (op.parameters ?? []).some((p) => p.in === 'path');
    const hasParams = (op.parameters ?? []).length > 0;
    const hasBody = op.requestBody !== undefined;
    const write = method !== 'get' && method !== 'head';

    op.security = info.isPublic
      ? []
      : [{ [BEARER_SCHEME]: [] }, ...(info.roles.includes('BANK_OFFICER') ? [{ [API_KEY_SCHEME]: [] }] : [])];

    const statuses = new Set<string>(['400', '500', '503']);
    // 403 even on a public operation: a caller who sends a token is held to its area (AREA_CITY_ONLY …)
    statuses.add('403');
    if (!info.isPublic) statuses.add('401');
    if (hasPathParams || hasBody) statuses.add('404');
    if (write) statuses.add('409');
    if (hasBody) statuses.add('413');
    // a body in a media type other than JSON (a file upload) may arrive in a format the handler cannot read
    if (
      hasBody &&
      Object.keys((op.requestBody as { content?: object }).content ?? {}).some(
        (t) => t !== 'application/json',
      )
    )
      statuses.add('415');
    if (hasParams || hasBody || write) statuses.add('422');
    if (!info.skipThrottle) statuses.add('429');
    for (const status of Object.keys(op.responses)) if (/^[45]/.test(status)) statuses.add(status);
    for (const status of [...statuses].sort())
      op.responses[status] = problemResponse(status, op.responses[status]);
  }
  return doc;
}

const documents = new WeakMap<INestApplication, { doc: OpenAPIObject; clashes: OperationIdClash[] }>();

/** Scans the application's controllers into the finished document and remembers it for `openApiDocumentOf`. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  let builder = new DocumentBuilder().setTitle(TITLE).setDescription(DESCRIPTION).setVersion('1');
  for (const [name, description] of TAGS) builder = builder.addTag(name, description);
  const config = builder
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'POST /api/v1/auth/login' },
      BEARER_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'A partner bank’s API key' },
      API_KEY_SCHEME,
    )
    .build();
  const raw = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey: string, methodKey: string) => `${controllerKey}#${methodKey}`,
  });
  const clashes: OperationIdClash[] = [];
  const doc = finish(raw, handlerInfo(app), clashes);
  documents.set(app, { doc, clashes });
  return doc;
}

/** The document served by this application (built by createApi). */
export function openApiDocumentOf(app: INestApplication): OpenAPIObject {
  return built(app).doc;
}

/** The handlers whose method names clash (their operationIds had to be qualified). */
export function operationIdClashesOf(app: INestApplication): OperationIdClash[] {
  return built(app).clashes;
}

function built(app: INestApplication) {
  const entry = documents.get(app);
  if (!entry) throw new Error('this application has no OpenAPI document (not created by createApi)');
  return entry;
}
