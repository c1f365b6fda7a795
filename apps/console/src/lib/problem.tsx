import { Alert, type FormInstance } from 'antd';
import { ApiError } from '../api/client.js';
import { useI18n } from './i18n.js';

/** A refused request, titled by its problem `code` in the chosen language, the field errors listed beneath. */
export function ProblemAlert({ error }: { error: unknown }) {
  const { errorText, fieldErrorText, t } = useI18n();
  if (!error) return null;
  const p = error instanceof ApiError ? error.problem : { status: 0, code: 'NETWORK' };
  const title = p.code === 'NETWORK' ? t('networkError') : errorText(p.code, p.title);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      data-testid="problem"
      data-code={p.code}
      title={title}
      description={
        <>
          {p.errors?.length ? (
            <ul style={{ margin: 0, paddingLeft: 18 }}>
              {p.errors.map((e, i) => (
                <li key={i}>
                  <b>{e.field}</b>: {fieldErrorText(e.code, e.message)}
                </li>
              ))}
            </ul>
          ) : null}
          {p.detail ? <div style={{ color: '#888', fontSize: 12 }}>{p.detail}</div> : null}
        </>
      }
    />
  );
}

/** Puts the API's field errors (errors[].field) beside the form's fields; returns whether any field matched. */
export function applyFieldErrors(form: FormInstance, error: unknown, text: (code: string, fallback: string) => string): boolean {
  if (!(error instanceof ApiError) || !error.problem.errors?.length) return false;
  const names = new Set(Object.keys(form.getFieldsValue(true) as object));
  const fields = error.problem.errors
    .filter((e) => names.has(e.field))
    .map((e) => ({ name: e.field, errors: [text(e.code, e.message)] }));
  form.setFields(fields);
  return fields.length > 0;
}
