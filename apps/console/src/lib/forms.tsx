import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { App, Form, Modal, type FormInstance } from 'antd';
import { useRef, type ReactNode } from 'react';
import { ApiError } from '../api/client.js';
import { YUAN_INPUT } from './format.js';
import { useI18n } from './i18n.js';
import { ProblemAlert } from './problem.js';
import { keyFor, settle, type Attempt } from './submission-key.js';

/**
 * The write forms' plumbing: one Idempotency-Key per submission (a retry of the same values after a lost answer
 * reuses it, so the API replays instead of recording twice; changed values get a fresh one), the API's field errors
 * (problem+json `errors[]`) put beside the fields they name, the queries the write changes refreshed.
 */
export type IdemHeader = { 'Idempotency-Key': string };

function freshKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** An API field path (`a.b`, `policies[0].fromMonth`) as a form name path (['policies', 0, 'fromMonth']). */
export function namePath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const i of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

/**
 * Sets the API's field errors on the form's fields (`a.b` → ['a','b'], `a[0].b` → ['a',0,'b']); returns whether any
 * matched a field.
 */
export function setApiFieldErrors(form: FormInstance, error: unknown, text: (code: string, fallback: string) => string): boolean {
  if (!(error instanceof ApiError) || !error.problem.errors?.length) return false;
  const known = new Set<string>();
  const collect = (v: unknown, prefix: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => collect(x, `${prefix}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, prefix ? `${prefix}.${k}` : k);
    if (prefix) known.add(prefix);
  };
  collect(form.getFieldsValue(), '');
  collect(form.getFieldsValue(true), '');
  const byField = new Map<string, string[]>();
  for (const e of error.problem.errors) {
    if (!known.has(e.field)) continue;
    byField.set(e.field, [...(byField.get(e.field) ?? []), text(e.code, e.message)]);
  }
  form.setFields([...byField].map(([field, errors]) => ({ name: namePath(field), errors })));
  return byField.size > 0;
}

export function useWrite<V, R>(
  form: FormInstance | null,
  send: (values: V, headers: IdemHeader) => Promise<R>,
  opts: {
    invalidate?: QueryKey[];
    onSuccess?: (r: R, values: V) => void;
    /** the text beside a field (default: the console's text for the code, else the API's message) */
    fieldText?: (code: string, message: string) => string;
  } = {},
) {
  const { fieldErrorText } = useI18n();
  const qc = useQueryClient();
  const last = useRef<Attempt | null>(null);
  return useMutation({
    mutationFn: (values: V) => {
      last.current = keyFor(last.current, JSON.stringify(values), freshKey);
      return send(values, { 'Idempotency-Key': last.current.key });
    },
    onSuccess: (r, values) => {
      last.current = null;
      for (const k of opts.invalidate ?? []) void qc.invalidateQueries({ queryKey: k });
      opts.onSuccess?.(r, values);
    },
    onError: (e) => {
      if (last.current) last.current = settle(last.current, e instanceof ApiError ? e.problem.status : 0);
      if (form) setApiFieldErrors(form, e, opts.fieldText ?? fieldErrorText);
    },
  });
}

/** Drops empty optional fields (the API refuses "" where it expects a value or nothing). */
export function compact<T extends Record<string, unknown>>(values: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== '') out[k] = typeof v === 'string' ? v.trim() : v;
  return out as Partial<T>;
}

/** A modal form: the fields, the refusal (title by its code, field errors beside the fields) and a submit button. */
export function FormModal({
  open,
  title,
  form,
  pending,
  error,
  onCancel,
  onSubmit,
  okText,
  children,
  testId,
  initialValues,
  width,
  name,
}: {
  open: boolean;
  title: ReactNode;
  form: FormInstance;
  pending: boolean;
  error: unknown;
  onCancel: () => void;
  onSubmit: (values: Record<string, unknown>) => void;
  okText?: string;
  children: ReactNode;
  testId?: string;
  initialValues?: Record<string, unknown>;
  width?: number;
  /** the form's name, prefixed to its fields' ids (needed when the page has another form with the same field names) */
  name?: string;
}) {
  const { t } = useI18n();
  return (
    <Modal
      open={open}
      title={title}
      onCancel={onCancel}
      onOk={() => form.submit()}
      okText={okText ?? t('f_submit')}
      cancelText={t('cancel')}
      confirmLoading={pending}
      width={width}
      okButtonProps={{ 'data-testid': testId ? `${testId}-submit` : undefined } as never}
    >
      <Form form={form} name={name} layout="vertical" onFinish={onSubmit} data-testid={testId} initialValues={initialValues}>
        {children}
      </Form>
      {error ? <ProblemAlert error={error} /> : null}
    </Modal>
  );
}

/** Form rules mirroring the API's validators. */
export function useRules() {
  const { t } = useI18n();
  return {
    required: { required: true, message: t('required') },
    yuan: { pattern: YUAN_INPUT, message: t('f_yuanFormat') },
    date: { pattern: /^\d{4}-\d{2}-\d{2}$/, message: t('f_dateFormat') },
    decimal: { pattern: /^(0|[1-9]\d*)(\.\d+)?$/, message: t('f_percentFormat') },
  };
}

/** The success toast of a write. */
export function useToast() {
  const { message } = App.useApp();
  return (text: string) => void message.success(text);
}
