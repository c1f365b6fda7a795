import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../errors/error-codes.js';
import { FIELD_ERROR_CODES } from '../errors/field-error-codes.js';
import { ERROR_MESSAGES, STATUS_TITLES } from './error-messages.js';
import { FIELD_MESSAGES } from './field-messages.js';
import {
  errorMessage,
  fieldMessage,
  localizeFieldError,
  missingTranslations,
  negotiateLanguage,
  renderMessage,
  statusTitle,
} from './messages.js';

const HAN = /\p{Script=Han}/u;
/** names the validation pipe always supplies for these constraints (see validation.ts paramsOf) */
const ALWAYS_GIVEN: Record<string, string[]> = {
  maxLength: ['max'],
  max: ['max'],
  arrayMaxSize: ['max'],
  minLength: ['min'],
  min: ['min'],
  arrayMinSize: ['min'],
  isLength: ['min', 'max'],
  isIn: ['values'],
};

function bareNames(template: string): string[] {
  return [...template.replace(/\[[^\]]*\]/g, '').matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}

describe('message catalogue', () => {
  it('has an English and a Chinese sentence for every error code', () => {
    for (const code of Object.keys(ERROR_STATUS)) {
      const pair = ERROR_MESSAGES[code as keyof typeof ERROR_MESSAGES];
      expect(pair, code).toBeDefined();
      expect(pair[0].trim(), code).not.toBe('');
      expect(HAN.test(pair[0]), `${code} English has Chinese`).toBe(false);
      expect(HAN.test(pair[1]), `${code} Chinese`).toBe(true);
    }
    expect(Object.keys(ERROR_MESSAGES).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });

  it('has an English and a Chinese sentence for every field-error code', () => {
    for (const code of FIELD_ERROR_CODES) {
      const pair = FIELD_MESSAGES[code];
      expect(pair, code).toBeDefined();
      expect(pair[0].trim(), code).not.toBe('');
      expect(HAN.test(pair[0]), `${code} English has Chinese`).toBe(false);
      expect(HAN.test(pair[1]), `${code} Chinese`).toBe(true);
    }
    expect(Object.keys(FIELD_MESSAGES).sort()).toEqual([...FIELD_ERROR_CODES].sort());
    expect(missingTranslations()).toEqual([]);
  });

  it('uses the same placeholders in both languages, and none that may be missing outside an optional part', () => {
    for (const [code, [en, zh]] of [...Object.entries(ERROR_MESSAGES), ...Object.entries(FIELD_MESSAGES)]) {
      const names = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(zh), code).toEqual(names(en));
      const allowed = ALWAYS_GIVEN[code] ?? [];
      for (const n of bareNames(zh)) expect(allowed, `${code} needs {${n}} in [...]`).toContain(n);
    }
  });

  it('has a title in both languages for every status an error code answers with', () => {
    for (const status of new Set(Object.values(ERROR_STATUS))) {
      expect(STATUS_TITLES[status], String(status)).toBeDefined();
      expect(HAN.test(statusTitle(status, 'zh-CN'))).toBe(true);
    }
  });
});

describe('renderMessage', () => {
  it('fills names and keeps an optional part only when all its names have values', () => {
    const t = '余额不得为负[：{date} 将短缺 {shortfall} 元]';
    expect(renderMessage(t, { date: '2026-03-01', shortfall: '120.00' })).toBe(
      '余额不得为负：2026-03-01 将短缺 120.00 元',
    );
    expect(renderMessage(t, { date: '2026-03-01' })).toBe('余额不得为负');
    expect(renderMessage('长度不能超过 {max} 个字符', { max: 256 })).toBe('长度不能超过 256 个字符');
  });

  it('renders domain details with the figures the error carries', () => {
    expect(errorMessage('LEDGER_LIMIT_EXCEEDED', 'zh-CN', { date: '2026-01-31', shortfall: '50.00' })).toBe(
      '余额不得为负：2026-01-31 将短缺 50.00 元',
    );
    expect(errorMessage('OVERPAYMENT', 'zh-CN', { payoff: '1000.00', valueDate: '2026-02-01' })).toContain(
      '1000.00',
    );
    expect(errorMessage('NO_SUCH_CODE', 'zh-CN')).toBeUndefined();
  });

  it('translates a field error by code and drops its params', () => {
    const e = localizeFieldError(
      { field: 'password', code: 'maxLength', message: 'x', params: { max: 256 } },
      'zh-CN',
    );
    expect(e).toEqual({ field: 'password', code: 'maxLength', message: '长度不能超过 256 个字符' });
    expect(
      localizeFieldError({ field: 'a', code: 'REQUIRED', message: 'a is required', params: {} }, 'en'),
    ).toEqual({
      field: 'a',
      code: 'REQUIRED',
      message: 'a is required',
    });
    expect(fieldMessage('LEDGER_LIMIT_EXCEEDED', 'zh-CN')).toBe('余额不得为负');
  });
});

describe('negotiateLanguage', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['zh-CN', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-Hans-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['en-US,en;q=0.9,zh-CN;q=0.8', 'en'],
    ['en;q=0.5, zh-CN;q=0.8', 'zh-CN'],
    ['fr-FR', 'en'],
    ['fr-FR, zh-TW;q=0.3', 'zh-CN'],
    ['zh-CN;q=0', 'en'],
  ] as const)('%s → %s', (header, lang) => {
    expect(negotiateLanguage(header)).toBe(lang);
  });
});
