import type { FieldError } from '../errors/domain-error.js';
import { ERROR_STATUS, type ErrorCode } from '../errors/error-codes.js';
import { isFieldErrorCode } from '../errors/field-error-codes.js';
import { ERROR_MESSAGES, STATUS_TITLES } from './error-messages.js';
import { FIELD_MESSAGES } from './field-messages.js';

/**
 * The languages the engine answers in. English stays the default (API clients, logs, existing integrations);
 * the console and anyone sending `Accept-Language: zh-CN` (or zh, zh-Hans …) get Simplified Chinese.
 */
export type Lang = 'en' | 'zh-CN';
export const LANGS: readonly Lang[] = ['en', 'zh-CN'];

export type MessageParams = Record<string, unknown>;

/**
 * The language of an `Accept-Language` header (RFC 9110 §12.5.4): the acceptable range with the highest q
 * that the engine speaks; `zh*` → zh-CN, `en*` or `*` → en; nothing acceptable → en.
 */
export function negotiateLanguage(header: string | string[] | undefined): Lang {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return 'en';
  let best: Lang = 'en';
  let bestQ = -1;
  value.split(',').forEach((part, order) => {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) return;
    const lang: Lang | undefined =
      range === 'zh' || range.startsWith('zh-')
        ? 'zh-CN'
        : range === 'en' || range.startsWith('en-') || range === '*'
          ? 'en'
          : undefined;
    // equal q: the first listed wins (order is the tie-break clients mean)
    if (lang && q - order * 1e-9 > bestQ) {
      best = lang;
      bestQ = q - order * 1e-9;
    }
  });
  return best;
}

const PLACEHOLDER = /\{(\w+)\}/g;

function text(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) return v.map(String).join('、');
  return typeof v === 'object' ? undefined : String(v as string | number | boolean | bigint);
}

/**
 * Fills `{name}` from params; an optional part `[…]` is kept only when every name inside it has a value. A name
 * outside brackets without a value is left as written (the catalogue test checks none is).
 */
export function renderMessage(template: string, params: MessageParams = {}): string {
  const optional = template.replace(/\[([^\]]*)\]/g, (_m, inner: string) => {
    const names = [...inner.matchAll(PLACEHOLDER)].map((m) => m[1]);
    return names.every((n) => text(params[n]) !== undefined) ? inner : '';
  });
  return optional.replace(PLACEHOLDER, (m, n: string) => text(params[n]) ?? m);
}

const isErrorCode = (code: string): code is ErrorCode =>
  Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
const pick = (pair: readonly [string, string], lang: Lang) => (lang === 'en' ? pair[0] : pair[1]);

/** A domain error code's sentence, or undefined for a code outside the list. */
export function errorMessage(code: string, lang: Lang, params?: MessageParams): string | undefined {
  return isErrorCode(code) ? renderMessage(pick(ERROR_MESSAGES[code], lang), params) : undefined;
}

/** A field-error code's sentence (a listed field code, or a whole domain error code), or undefined. */
export function fieldMessage(
  code: string | undefined,
  lang: Lang,
  params?: MessageParams,
): string | undefined {
  if (!code) return undefined;
  if (isFieldErrorCode(code)) return renderMessage(pick(FIELD_MESSAGES[code], lang), params);
  return errorMessage(code, lang, params);
}

/** The problem title of an HTTP status. */
export function statusTitle(status: number, lang: Lang): string {
  const pair = STATUS_TITLES[status];
  return pair ? pick(pair, lang) : lang === 'en' ? 'Error' : '错误';
}

/**
 * A field error in the caller's language. English keeps the message the rule wrote (it names the figures);
 * Chinese reads the catalogue by code, filled from the error's params. `params` never leaves the engine.
 */
export function localizeFieldError(e: FieldError, lang: Lang): FieldError {
  const { params, ...rest } = e;
  if (lang === 'en') return rest;
  const message = fieldMessage(e.code, lang, params);
  return message ? { ...rest, message } : rest;
}

/** Every listed field code and domain error code with both languages (the catalogue test reads this). */
export function missingTranslations(): string[] {
  const out: string[] = [];
  for (const [code, pair] of [...Object.entries(ERROR_MESSAGES), ...Object.entries(FIELD_MESSAGES)])
    for (const s of pair as readonly string[]) if (!s || !s.trim()) out.push(code);
  return out;
}
