import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { setApiLanguage } from '../api/client.js';
import { ERRORS, FIELD_ERRORS, LABELS, type LabelKey } from './messages.js';

export type Lang = 'zh' | 'en';
const STORAGE_KEY = 'mae.console.lang';

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t(key: LabelKey | string): string;
  /**
   * The problem code's text in the chosen language; for a code the console does not know, the API's own title
   * (asked for in the chosen language), else the code itself.
   */
  errorText(code: string | undefined, fallback?: string): string;
  fieldErrorText(code: string | undefined, fallback: string): string;
}

const Ctx = createContext<I18n | null>(null);

function initialLang(): Lang {
  let lang: Lang = 'zh';
  try {
    lang = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    /* private mode: Chinese */
  }
  // before the first request: the API answers in the console's language from the start
  setApiLanguage(lang);
  return lang;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    setApiLanguage(l);
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* private mode: the choice lasts for the page */
    }
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  }, []);
  const value = useMemo<I18n>(() => {
    const i = lang === 'zh' ? 0 : 1;
    return {
      lang,
      setLang,
      t: (key) => (LABELS as Record<string, readonly [string, string]>)[key]?.[i] ?? key,
      errorText: (code, fallback) =>
        code && ERRORS[code] ? ERRORS[code][i] : fallback || `${lang === 'zh' ? '错误' : 'Error'} ${code ?? ''}`.trim(),
      fieldErrorText: (code, fallback) => (code && FIELD_ERRORS[code] ? FIELD_ERRORS[code][i] : fallback),
    };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
