import type { NextFunction, Request, Response } from 'express';
import { DomainError, negotiateLanguage, toProblem } from '#libs/common';

/** The deepest JSON a request body may nest (the engine's own bodies nest 4 levels at most). */
export const MAX_JSON_DEPTH = 32;

// C0 control characters other than tab, line feed and carriage return: PostgreSQL refuses NUL in text, and none of
// them belongs in a name, a memo or an identifier.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// Half of a UTF-16 surrogate pair with no other half (JSON may write one as "\udc00"): no character at all, and text
// that cannot be stored or hashed as UTF-8. A whole pair (an emoji) is one code point and does not match.
const LONE_SURROGATE = /\p{Cs}/u;

type Bad = { field: string; code: 'CONTROL_CHARACTER' | 'INVALID_UNICODE' | 'TOO_DEEP' };

function badText(text: string, field: string): Bad | null {
  if (CONTROL.test(text)) return { field, code: 'CONTROL_CHARACTER' };
  if (LONE_SURROGATE.test(text)) return { field, code: 'INVALID_UNICODE' };
  return null;
}

/** The first place (`a.b[2]`) where a value holds a control character or a lone surrogate, or nests too deep, or null. */
export function badValue(value: unknown, path: string, depth = 0): Bad | null {
  if (depth > MAX_JSON_DEPTH) return { field: path || 'body', code: 'TOO_DEEP' };
  if (typeof value === 'string') return badText(value, path || 'body');
  // a raw body (a statement file, a CSV import) is the handler's to parse: it checks its own text
  if (ArrayBuffer.isView(value)) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = badValue(value[i], `${path}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const field = path ? `${path}.${k}` : k;
      const badKey = badText(k, field);
      if (badKey) return badKey;
      const bad = badValue(v, field, depth + 1);
      if (bad) return bad;
    }
  }
  return null;
}

function safePath(req: Request): string | null {
  try {
    return decodeURIComponent(req.path);
  } catch {
    return null;
  }
}

/**
 * Refuses, before any handler, validator or query sees it, input no handler can use: a control character (NUL and
 * the like) or a lone surrogate in the path, a query value or any body string or key, a path that is not valid percent-encoding, and a
 * JSON body nested deeper than MAX_JSON_DEPTH. The answer is the usual 400 problem+json naming the field.
 */
export function inputGuard() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const path = safePath(req);
    const bad =
      path === null || CONTROL.test(path)
        ? { field: 'path', code: 'CONTROL_CHARACTER' as const }
        : (badValue(req.query, '') ?? badValue(req.body, ''));
    if (!bad) return next();
    const message =
      bad.code === 'TOO_DEEP'
        ? `nests deeper than ${MAX_JSON_DEPTH} levels`
        : bad.code === 'INVALID_UNICODE'
          ? 'contains half of a UTF-16 surrogate pair, which is no character'
          : 'contains a control character (or is not valid percent-encoding)';
    const { problem } = toProblem(
      new DomainError('VALIDATION_FAILED', `${bad.field} ${message}`, [{ field: bad.field, code: bad.code, message }]),
      req.originalUrl,
      negotiateLanguage(req.headers['accept-language']),
    );
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  };
}
