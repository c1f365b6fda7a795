import { useQuery } from '@tanstack/react-query';
import { List, Result, Space, Tag } from 'antd';
import { api, unwrap } from '../api/client.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';

interface Eligibility {
  eligible: boolean;
  checkedOn: string;
  errors: { code: string; field: string; message: string }[];
}

/** An application's eligibility, rule by rule (refetched with the application: query key `['eligibility', id]`). */
export function useEligibility(id: string) {
  return useQuery({
    queryKey: ['eligibility', id],
    queryFn: () => unwrap<Eligibility>(api.GET('/api/v1/loan-applications/{id}/eligibility', { params: { path: { id } } })),
  });
}

/**
 * The eligibility section of an application's drawer: passed, or each failed rule in the chosen language; `detailed`
 * adds the field and the API's own sentence under each (the reviewer's view).
 */
export function EligibilityResult({ query, detailed = false }: { query: ReturnType<typeof useEligibility>; detailed?: boolean }) {
  const { t, fieldErrorText } = useI18n();
  return (
    <>
      <h3 style={{ marginTop: 16 }}>{t('eligibility')}</h3>
      {query.data ? (
        query.data.eligible ? (
          <Result status="success" title={t('eligible')} subTitle={query.data.checkedOn} style={{ padding: 8 }} />
        ) : (
          <List
            size="small"
            bordered
            header={<b>{t('notEligible')}</b>}
            dataSource={query.data.errors}
            renderItem={(e) => {
              const rule = (
                <span>
                  <Tag color="red">{e.code}</Tag>
                  {fieldErrorText(e.code, e.message)}
                </span>
              );
              return (
                <List.Item data-testid="failed-rule">
                  {detailed ? (
                    <Space direction="vertical" size={0}>
                      {rule}
                      <span style={{ color: '#888', fontSize: 12 }}>
                        {t('field')}: {e.field} · {e.message}
                      </span>
                    </Space>
                  ) : (
                    rule
                  )}
                </List.Item>
              );
            }}
          />
        )
      ) : query.error ? (
        <ProblemAlert error={query.error} />
      ) : null}
    </>
  );
}
