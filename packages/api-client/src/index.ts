import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

/**
 * The typed client of the mutual-aid engine's API: openapi-fetch over the types generated from the OpenAPI document
 * (src/schema.d.ts, regenerated with `npm run client:generate` in the engine's repository; never edit it by hand).
 *
 *   const api = createApiClient({ baseUrl: 'https://engine.example.cn', token });
 *   const { data, error, response } = await api.GET('/api/v1/loans/{id}', { params: { path: { id: '42' } } });
 *
 * `data` is the typed success body, `error` the typed problem (application/problem+json, `error.code`).
 */
export type { components, operations, paths };

export type ApiClient = Client<paths>;
/** The body of every refusal (RFC 9457 problem details with a stable `code`). */
export type Problem = components['schemas']['Problem'];
export type ErrorCode = components['schemas']['ErrorCode'];

export interface ApiClientOptions {
  /** The server's origin, e.g. `https://engine.example.cn` (paths start with /api/v1). */
  baseUrl: string;
  /** A staff bearer token (POST /api/v1/auth/login), or a function giving the current one. */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** A partner bank's API key, sent as X-Api-Key. */
  apiKey?: string;
  /** Another fetch (a test server, a proxy agent). */
  fetch?: ClientOptions['fetch'];
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const { token, apiKey } = options;
  if (token !== undefined || apiKey !== undefined) {
    client.use({
      async onRequest({ request }) {
        const bearer = typeof token === 'function' ? await token() : token;
        if (bearer && !request.headers.has('Authorization'))
          request.headers.set('Authorization', `Bearer ${bearer}`);
        if (apiKey && !request.headers.has('X-Api-Key')) request.headers.set('X-Api-Key', apiKey);
        return request;
      },
    });
  }
  return client;
}

/** A fresh key for the Idempotency-Key header of a money-moving POST (send the same key again to retry safely). */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}
