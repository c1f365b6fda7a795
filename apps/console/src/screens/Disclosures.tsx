import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Segmented, Select, Table } from 'antd';
import { useState } from 'react';
import { api, ApiError, unwrap, type components } from '../api/client.js';
import { formatDateTime } from '../lib/format.js';
import { useRules, useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { PageTitle } from './common.js';

type Scope = 'VILLAGE' | 'DISTRICT';
type Village = components['schemas']['VillageResponse'];
type District = components['schemas']['DistrictResponse'];
type Summary = components['schemas']['DisclosureSummaryResponse'];
type HistoryItem = components['schemas']['DisclosureHistoryItem'];
const PATH: Record<Scope, 'villages' | 'districts'> = { VILLAGE: 'villages', DISTRICT: 'districts' };

/** The printable public page of one dated disclosure (served by the API, no login needed). */
export function printableUrl(scope: Scope, code: string, id: string): string {
  return `/api/v1/public/disclosures/${PATH[scope]}/${encodeURIComponent(code)}/${encodeURIComponent(id)}?format=html`;
}

/** 信息公开: publish a village's or district's disclosure as of the business date, then open its printable page. */
export default function Disclosures() {
  const { t } = useI18n();
  const { me } = useSession();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const [scope, setScope] = useState<Scope>('VILLAGE');
  const [code, setCode] = useState<string | undefined>();
  const [last, setLast] = useState<Summary | null>(null);
  const villages = useQuery({
    queryKey: ['villages-all'],
    queryFn: () => unwrap<{ items: Village[] }>(api.GET('/api/v1/villages', { params: { query: { pageSize: 100 } } })),
  });
  const districts = useQuery({
    queryKey: ['districts-all'],
    queryFn: () => unwrap<{ items: District[] }>(api.GET('/api/v1/districts', { params: { query: { pageSize: 100 } } })),
  });
  const history = useQuery({
    queryKey: ['disclosure-history', scope, code],
    enabled: !!code,
    retry: false,
    queryFn: async () => {
      try {
        return await unwrap<HistoryItem[]>(
          api.GET('/api/v1/public/disclosures/{scope}/{code}/history', { params: { path: { scope: PATH[scope], code: code! } } }),
        );
      } catch (e) {
        if (e instanceof ApiError && e.problem.status === 404) return [];
        throw e;
      }
    },
  });
  const publish = useWrite(
    form,
    (v: { scope: Scope; code: string }) => unwrap<Summary>(api.POST('/api/v1/disclosures', { body: v })),
    {
      invalidate: [['disclosure-history']],
      onSuccess: (r) => {
        setLast(r);
        toast(r.created ? t('f_published') : t('f_alreadyPublished'));
      },
    },
  );
  const options =
    scope === 'VILLAGE'
      ? (villages.data?.items ?? []).map((v) => ({ value: v.code, label: `${v.districtName} · ${v.townName} · ${v.name}` }))
      : (districts.data?.items ?? []).map((d) => ({ value: d.code, label: d.name }));
  return (
    <div>
      <PageTitle>{t('nav_disclosures')}</PageTitle>
      <Alert type="info" showIcon title={t('f_disclosuresHint')} style={{ marginBottom: 12 }} />
      <Card size="small" style={{ marginBottom: 12 }}>
        <Form
          form={form}
          layout="inline"
          data-testid="disclosure-form"
          initialValues={{ scope: 'VILLAGE' }}
          onFinish={(v: { scope: Scope; code: string }) => publish.mutate(v)}
          onValuesChange={(changed: { scope?: Scope; code?: string }) => {
            if (changed.scope) {
              setScope(changed.scope);
              setCode(undefined);
              setLast(null);
              form.setFieldValue('code', undefined);
            }
            if ('code' in changed) {
              setCode(changed.code);
              setLast(null);
            }
          }}
          style={{ rowGap: 8 }}
        >
          <Form.Item name="scope" label={t('f_scope')}>
            <Segmented options={(['VILLAGE', 'DISTRICT'] as const).map((s) => ({ value: s, label: t(`f_scope_${s}`) }))} />
          </Form.Item>
          <Form.Item name="code" label={t('f_place')} rules={[rules.required]}>
            <Select showSearch={{ optionFilterProp: 'label' }} style={{ minWidth: 320 }} options={options} />
          </Form.Item>
          {can(me, 'publishDisclosure') ? (
            <Button type="primary" htmlType="submit" loading={publish.isPending}>
              {t('f_publish')}
            </Button>
          ) : null}
        </Form>
        <ProblemAlert error={publish.error} />
        {last ? (
          <p data-testid="disclosure-published" style={{ marginTop: 12 }}>
            {last.created ? t('f_published') : t('f_alreadyPublished')} · {last.asOf} ·{' '}
            <a href={printableUrl(last.scope, last.code, last.id)} target="_blank" rel="noreferrer">
              {t('f_openPrintable')}
            </a>
          </p>
        ) : null}
      </Card>
      {code ? (
        <Card size="small" title={t('f_history')}>
          {history.error ? <ProblemAlert error={history.error} /> : null}
          <Table
            rowKey="id"
            size="small"
            pagination={false}
            loading={history.isLoading}
            dataSource={history.data ?? []}
            columns={[
              { title: t('f_asOf'), dataIndex: 'asOf' },
              { title: t('f_publishedAt'), dataIndex: 'publishedAt', render: formatDateTime },
              {
                title: t('actions'),
                key: 'open',
                render: (_: unknown, r: HistoryItem) => (
                  <a href={printableUrl(scope, code, r.id)} target="_blank" rel="noreferrer">
                    {t('f_openPrintable')}
                  </a>
                ),
              },
            ]}
          />
        </Card>
      ) : null}
    </div>
  );
}
