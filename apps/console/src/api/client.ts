import type { Middleware } from 'openapi-fetch';
import { createApiClient } from '../../../../packages/api-client/src/index.js';
export type { components } from '../../../../packages/api-client/src/index.js';

/**
 * The console's only way to the API: openapi-fetch typed by the generated `paths` of the served OpenAPI document.
 * Same origin; the session is the HttpOnly cookie (never visible here), and every write repeats the CSRF token
 * (the readable `mae_csrf` cookie) in X-CSRF-Token. Writes also carry a fresh Idempotency-Key. A 401 on anything
 * but the login itself ends the session in the console (back to the login page). Every request asks for the console's
 * chosen language (Accept-Language), so the problem+json title, detail and field messages come back in it.
 */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code?: string;
  detail?: string;
  errors?: FieldError[];
  instance?: string;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
  get code(): string | undefined {
    return this.problem.code;
  }
}

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
let onUnauthenticated: () => void = () => undefined;
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

/** The console's language as the API reads it (RFC 9110 Accept-Language); set by the language switch. */
let language: 'zh-CN' | 'en' = 'zh-CN';
export function setApiLanguage(lang: 'zh' | 'en'): void {
  language = lang === 'en' ? 'en' : 'zh-CN';
}
export function apiLanguage(): 'zh-CN' | 'en' {
  return language;
}

const session: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept-Language', language);
    if (!SAFE.has(request.method)) {
      const csrf = readCookie('mae_csrf');
      if (csrf) request.headers.set('X-CSRF-Token', csrf);
      if (!request.headers.has('Idempotency-Key')) request.headers.set('Idempotency-Key', randomKey());
    }
    return request;
  },
  onResponse({ response, request }) {
    const path = new URL(request.url).pathname;
    if (response.status === 401 && !path.endsWith('/auth/session') && !path.endsWith('/auth/me')) onUnauthenticated();
    return response;
  },
};

// same origin: no token, no key; the session cookie goes with every request to /api
export const api = createApiClient({ baseUrl: '' });
api.use(session);

/**
 * Awaits an openapi-fetch call and returns its body as the view type the screen reads (the document does not yet
 * type most response bodies), or throws an ApiError carrying the problem+json.
 */
export async function unwrap<T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  let r: { data?: unknown; error?: unknown; response: Response };
  try {
    r = await call;
  } catch {
    throw new ApiError({ status: 0, code: 'NETWORK' });
  }
  if (!r.response.ok) {
    const e = (r.error && typeof r.error === 'object' ? r.error : {}) as Partial<Problem>;
    throw new ApiError({ ...e, status: r.response.status });
  }
  return r.data as T;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

/** A fresh Idempotency-Key for one money-moving request (the document requires it on those operations). */
export function idem(): { 'Idempotency-Key': string } {
  return { 'Idempotency-Key': randomKey() };
}

/** 128 random bits as hex: crypto.getRandomValues works on plain http too (randomUUID needs a secure context). */
function randomKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}
