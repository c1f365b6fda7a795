import { useQuery } from '@tanstack/react-query';
import { Checkbox, Form, Input, Select, Table } from 'antd';
import { useState } from 'react';
import { api, unwrap, type components } from '../api/client.js';
import { formatDate } from '../lib/format.js';
import { compact, FormModal, useRules, useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { useSession } from '../lib/session.js';
import { Money } from './common.js';

type Household = components['schemas']['HouseholdResponse'];
type Withdrawal = components['schemas']['ShareWithdrawalResponse'];
const CONTRIBUTION_SOURCES = ['CENTRAL', 'CITY', 'DISTRICT', 'SOE', 'DONATION', 'MEMBER'] as const;

/** The queries a write to a fund changes. */
const fundKeys = (id: string) => [
  ['mutual-aid-fund-position', id],
  ['fund-contributions', id],
  ['fund-members', id],
  ['fund-withdrawals', id],
  ['mutual-aid-funds'],
];

/** A household picked by the head's name (the API's household search), shown with its village. */
export function HouseholdSelect({ value, onChange, id }: { value?: string; onChange?: (v: string) => void; id?: string }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const q = useQuery({
    queryKey: ['household-search', name],
    queryFn: () =>
      unwrap<{ items: Household[] }>(api.GET('/api/v1/households', { params: { query: { name: name || undefined, pageSize: 20 } as never } })),
  });
  // the chosen household stays labelled when a later search no longer lists it
  const [picked, setPicked] = useState<{ value: string; label: string } | null>(null);
  const options = (q.data?.items ?? []).map((h) => ({ value: h.id, label: `${h.headName} · ${h.villageName} · #${h.id}` }));
  if (picked && picked.value === value && !options.some((o) => o.value === value)) options.unshift(picked);
  return (
    <Select
      id={id}
      showSearch={{ filterOption: false, onSearch: setName }}
      value={value}
      onChange={(v: string) => {
        setPicked(options.find((o) => o.value === v) ?? null);
        onChange?.(v);
      }}
      placeholder={t('f_householdSearch')}
      options={options}
      notFoundContent={q.isLoading ? t('loading') : t('empty')}
    />
  );
}

/** 登记出资: capital from a source, or a member's share (which makes the household a member). */
export function ContributionForm({ fundId, onClose }: { fundId: string; onClose: () => void }) {
  const { t } = useI18n();
  const { me } = useSession();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const source = Form.useWatch('source', form) as string | undefined;
  const officer = me?.role === 'LOAN_OFFICER';
  const write = useWrite(
    form,
    (v: Record<string, unknown>, header) =>
      unwrap(api.POST('/api/v1/mutual-aid-funds/{id}/contributions', { params: { path: { id: fundId }, header }, body: v as never })),
    {
      invalidate: fundKeys(fundId),
      onSuccess: () => {
        toast(t('f_contributionRecorded'));
        onClose();
      },
    },
  );
  const submit = (v: Record<string, unknown>) => {
    const body = compact({ ...v, year: v.year ? Number(v.year) : undefined, fiscalFunded: v.fiscalFunded ? true : undefined });
    write.mutate(body);
  };
  return (
    <FormModal
      open
      title={t('f_recordContribution')}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={submit}
      testId="contribution-form"
      initialValues={{ source: officer ? 'MEMBER' : undefined }}
    >
      <Form.Item name="source" label={t('source')} rules={[rules.required]}>
        <Select options={CONTRIBUTION_SOURCES.filter((s) => !officer || s === 'MEMBER').map((s) => ({ value: s, label: t(`src_${s}`) }))} />
      </Form.Item>
      <Form.Item name="amount" label={t('f_amountYuan')} rules={[rules.required, rules.yuan]}>
        <Input inputMode="decimal" placeholder="5000.00" />
      </Form.Item>
      <Form.Item name="householdId" label={t('f_household')} rules={source === 'MEMBER' ? [rules.required] : []}>
        <HouseholdSelect />
      </Form.Item>
      {!officer ? (
        <Form.Item name="fiscalFunded" valuePropName="checked">
          <Checkbox>{t('f_fiscalFunded')}</Checkbox>
        </Form.Item>
      ) : null}
      <Form.Item name="documentRef" label={t('documentRef')} rules={source && source !== 'MEMBER' ? [rules.required] : []}>
        <Input maxLength={200} />
      </Form.Item>
      <Form.Item name="receivedOn" label={t('receivedOn')} rules={[rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      <Form.Item name="year" label={t('year')} rules={[{ pattern: /^(20\d\d|2100)$/, message: t('f_percentFormat') }]}>
        <Input inputMode="numeric" placeholder="2026" />
      </Form.Item>
      {source === 'SOE' ? (
        <>
          <Form.Item name="soeName" label={t('f_soeName')} rules={[rules.required]}>
            <Input />
          </Form.Item>
          <Form.Item name="soeProfitBase" label={t('f_soeProfitBase')} rules={[rules.required, rules.yuan]}>
            <Input inputMode="decimal" />
          </Form.Item>
        </>
      ) : null}
    </FormModal>
  );
}

/** 社员退股: part of a member-paid share paid back. */
export function WithdrawalForm({ fundId, onClose }: { fundId: string; onClose: () => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const write = useWrite(
    form,
    (v: Record<string, unknown>, header) =>
      unwrap(api.POST('/api/v1/mutual-aid-funds/{id}/withdrawals', { params: { path: { id: fundId }, header }, body: v as never })),
    {
      invalidate: fundKeys(fundId),
      onSuccess: () => {
        toast(t('f_shareWithdrawn'));
        onClose();
      },
    },
  );
  return (
    <FormModal
      open
      title={t('f_withdrawShare')}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate(compact(v))}
      testId="withdrawal-form"
    >
      <Form.Item name="householdId" label={t('f_household')} rules={[rules.required]}>
        <HouseholdSelect />
      </Form.Item>
      <Form.Item name="amount" label={t('f_amountYuan')} rules={[rules.required, rules.yuan]}>
        <Input inputMode="decimal" />
      </Form.Item>
      <Form.Item name="withdrawnOn" label={t('f_withdrawnOn')} rules={[rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      <Form.Item name="reason" label={t('f_reason')}>
        <Input maxLength={200} />
      </Form.Item>
    </FormModal>
  );
}

export function Withdrawals({ id }: { id: string }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['fund-withdrawals', id, page],
    queryFn: () =>
      unwrap<{ items: Withdrawal[]; total: number }>(
        api.GET('/api/v1/mutual-aid-funds/{id}/withdrawals', { params: { path: { id }, query: { page, pageSize: 20 } } }),
      ),
  });
  return (
    <>
      {q.error ? <ProblemAlert error={q.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: q.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('f_withdrawnOn'), dataIndex: 'withdrawnOn', render: formatDate },
          { title: t('f_household'), dataIndex: 'householdId' },
          { title: t('f_reason'), dataIndex: 'reason', render: (v: string | null) => v ?? '—' },
          { title: t('amount'), dataIndex: 'amount', align: 'right', render: (v: string) => <Money value={v} /> },
        ]}
      />
    </>
  );
}
