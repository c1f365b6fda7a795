import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Drawer, Form, Input, InputNumber, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { validateResidentId } from '../../../../libs/households/src/domain/resident-id.js';
import { api, unwrap, type Page } from '../api/client.js';
import { YUAN_INPUT } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { applyFieldErrors, ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { Money, PageTitle } from './common.js';
import { SheetImport } from './SheetImport.js';

interface Household {
  id: string;
  villageId: string;
  villageName: string;
  headName: string;
  idNumber: string;
  phone: string | null;
  memberCount: number;
  perCapitaIncome: string;
  status: string;
  groupId: string | null;
}
interface Village {
  id: string;
  name: string;
  code: string;
}
interface Product {
  id: string;
  code: string;
  name: string;
  kind: string;
  active: boolean;
}

export default function Households() {
  const { t } = useI18n();
  const { me } = useSession();
  const [filter, setFilter] = useState<{ name?: string; villageId?: string; status?: 'POOR' | 'GRADUATED' | 'NON_POOR' }>({});
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const [applyFor, setApplyFor] = useState<Household | null>(null);
  const villages = useVillages();
  const list = useQuery({
    queryKey: ['households', filter, page],
    queryFn: () =>
      unwrap<Page<Household>>(
        api.GET('/api/v1/households', { params: { query: { ...filter, page: page as never, pageSize: 20 as never } } }),
      ),
  });
  return (
    <div>
      <PageTitle
        extra={
          can(me, 'createHousehold') ? (
            <Space>
              <Button onClick={() => setImporting(true)}>{t('imp_import')}</Button>
              <Button type="primary" onClick={() => setCreating(true)}>
                {t('newHousehold')}
              </Button>
            </Space>
          ) : null
        }
      >
        {t('nav_households')}
      </PageTitle>
      <Form
        name="households1"
        layout="inline"
        style={{ marginBottom: 12 }}
        onFinish={(v: typeof filter) => {
          setPage(1);
          setFilter(Object.fromEntries(Object.entries(v).filter(([, x]) => x)) as typeof filter);
        }}
      >
        <Form.Item label={t('headName')} name="name">
          <Input allowClear style={{ width: 140 }} />
        </Form.Item>
        <Form.Item label={t('village')} name="villageId">
          <Select
            allowClear
            style={{ width: 160 }}
            options={(villages.data?.items ?? []).map((v) => ({ value: v.id, label: v.name }))}
          />
        </Form.Item>
        <Form.Item label={t('povertyStatus')} name="status">
          <Select
            allowClear
            style={{ width: 120 }}
            options={['POOR', 'GRADUATED', 'NON_POOR'].map((s) => ({ value: s, label: t(`pov_${s}`) }))}
          />
        </Form.Item>
        <Button htmlType="submit">{t('search')}</Button>
      </Form>
      {list.error ? <ProblemAlert error={list.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: 'ID', dataIndex: 'id', width: 60 },
          { title: t('headName'), dataIndex: 'headName' },
          { title: t('idNumber'), dataIndex: 'idNumber', render: (v: string) => <code>{v}</code> },
          { title: t('phone'), dataIndex: 'phone' },
          { title: t('village'), dataIndex: 'villageName' },
          { title: t('memberCount'), dataIndex: 'memberCount', align: 'right' },
          { title: t('perCapitaIncome'), dataIndex: 'perCapitaIncome', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('povertyStatus'), dataIndex: 'status', render: (v: string) => <Tag>{t(`pov_${v}`)}</Tag> },
          ...(can(me, 'createApplication')
            ? [
                {
                  title: t('actions'),
                  key: 'a',
                  render: (_: unknown, h: Household) => (
                    <Button size="small" onClick={() => setApplyFor(h)}>
                      {t('applyLoan')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      {creating ? <CreateHousehold onClose={() => setCreating(false)} villages={villages.data?.items ?? []} /> : null}
      {applyFor ? <ApplyLoan household={applyFor} onClose={() => setApplyFor(null)} /> : null}
      {importing ? <ImportHouseholds onClose={() => setImporting(false)} /> : null}
    </div>
  );
}

function useVillages() {
  return useQuery({
    queryKey: ['villages'],
    queryFn: () => unwrap<Page<Village>>(api.GET('/api/v1/villages', { params: { query: { pageSize: 200 as never } } })),
    staleTime: 300_000,
  });
}

/** Households in bulk from the template or a CSV: dry run first, then the import (all or nothing). */
function ImportHouseholds({ onClose }: { onClose(): void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  return (
    <Drawer open onClose={onClose} title={t('imp_householdsTitle')} size="large">
      <SheetImport
        kind="households"
        path="/api/v1/households/import"
        onImported={(r) => {
          if (r.imported) void qc.invalidateQueries({ queryKey: ['households'] });
        }}
      />
    </Drawer>
  );
}

/** Registration: the ID number is checked (region, birth date, GB 11643 check character) as it is typed. */
function CreateHousehold({ onClose, villages }: { onClose(): void; villages: Village[] }) {
  const { t, fieldErrorText } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const idNumber = Form.useWatch('idNumber', form) as string | undefined;
  const idCheck = idNumber ? validateResidentId(idNumber) : null;
  const create = useMutation({
    mutationFn: (v: Record<string, unknown>) => unwrap<Household>(api.POST('/api/v1/households', { body: v as never })),
    onSuccess: (h) => {
      void message.success(`${t('saved')}: ${h.headName}`);
      void qc.invalidateQueries({ queryKey: ['households'] });
      onClose();
    },
    onError: (e) => applyFieldErrors(form, e, fieldErrorText),
  });
  return (
    <Drawer open onClose={onClose} title={t('newHousehold')} size="default">
      <Form
        name="households2"
        form={form}
        layout="vertical"
        initialValues={{ memberCount: 4, incomeYear: new Date().getFullYear() - 1 }}
        onFinish={(v) => create.mutate({ ...v, phone: v.phone || undefined })}
      >
        <Form.Item label={t('village')} name="villageId" rules={[{ required: true, message: t('required') }]}>
          <Select options={villages.map((v) => ({ value: v.id, label: `${v.name} (${v.code})` }))} />
        </Form.Item>
        <Form.Item label={t('headName')} name="headName" rules={[{ required: true, whitespace: true, message: t('required') }, { max: 50 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          label={t('idNumber')}
          name="idNumber"
          hasFeedback
          validateStatus={!idNumber ? undefined : idCheck?.ok ? 'success' : 'error'}
          help={!idNumber ? undefined : idCheck?.ok ? t('idOk') : idCheck && !idCheck.ok ? t(`id_${idCheck.error}`) : undefined}
          rules={[
            { required: true, message: t('required') },
            {
              validator: (_r, v: string) =>
                !v || validateResidentId(v).ok ? Promise.resolve() : Promise.reject(new Error(t('id_ID_CHECK_CHAR'))),
            },
          ]}
        >
          <Input maxLength={18} data-testid="id-number" />
        </Form.Item>
        <Form.Item label={t('phone')} name="phone" rules={[{ pattern: /^(1\d{10}|0\d{2,3}-?\d{7,8})$/ }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t('memberCount')} name="memberCount" rules={[{ required: true }]}>
          <InputNumber min={1} max={50} precision={0} />
        </Form.Item>
        <Form.Item
          label={t('perCapitaIncome')}
          name="perCapitaIncome"
          rules={[{ required: true, message: t('required') }, { pattern: YUAN_INPUT, message: '0.00' }]}
        >
          <Input inputMode="decimal" placeholder="3200.00" />
        </Form.Item>
        <Form.Item label={t('incomeYear')} name="incomeYear" rules={[{ required: true }]}>
          <InputNumber min={2000} max={2100} precision={0} />
        </Form.Item>
        {create.error ? <ProblemAlert error={create.error} /> : null}
        <Space style={{ marginTop: 12 }}>
          <Button type="primary" htmlType="submit" loading={create.isPending}>
            {t('save')}
          </Button>
          <Button onClick={onClose}>{t('cancel')}</Button>
        </Space>
      </Form>
    </Drawer>
  );
}

/** A mutual-aid application for the household: created as a draft, then submitted (eligibility is evaluated). */
function ApplyLoan({ household, onClose }: { household: Household; onClose(): void }) {
  const { t, fieldErrorText } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const products = useQuery({
    queryKey: ['products', 'MUTUAL_AID'],
    queryFn: () => unwrap<Page<Product>>(api.GET('/api/v1/products', { params: { query: { kind: 'MUTUAL_AID' } } })),
  });
  const apply = useMutation({
    mutationFn: async (v: Record<string, unknown>) => {
      const draft = await unwrap<{ id: string; version: number; loanNo: string }>(
        api.POST('/api/v1/loan-applications', { body: { ...v, householdId: household.id, groupId: household.groupId ?? undefined } as never }),
      );
      await unwrap(api.POST('/api/v1/loan-applications/{id}/submit', { params: { path: { id: draft.id } }, body: {} as never }));
      return draft;
    },
    onSuccess: (d) => {
      void message.success(`${t('applicationCreated')}: ${d.loanNo}`);
      void qc.invalidateQueries({ queryKey: ['review-queue'] });
      onClose();
    },
    onError: (e) => applyFieldErrors(form, e, fieldErrorText),
  });
  return (
    <Drawer open onClose={onClose} title={`${t('applyLoan')} · ${household.headName}`}>
      <Form name="households3" form={form} layout="vertical" initialValues={{ termMonths: 12, purpose: 'BREEDING' }} onFinish={(v) => apply.mutate(v)}>
        <Form.Item label={t('product')} name="productId" rules={[{ required: true, message: t('required') }]}>
          <Select
            loading={products.isLoading}
            options={(products.data?.items ?? []).filter((p) => p.active).map((p) => ({ value: p.id, label: `${p.name} (${p.code})` }))}
          />
        </Form.Item>
        <Form.Item
          label={t('amount')}
          name="amount"
          rules={[{ required: true, message: t('required') }, { pattern: YUAN_INPUT, message: '5000.00' }]}
        >
          <Input inputMode="decimal" placeholder="5000.00" />
        </Form.Item>
        <Form.Item label={t('termMonths')} name="termMonths" rules={[{ required: true }]}>
          <InputNumber min={1} max={360} precision={0} />
        </Form.Item>
        <Form.Item label={t('purpose')} name="purpose" rules={[{ required: true }]}>
          <Select
            options={['PLANTING', 'BREEDING', 'PROCESSING', 'TRADE', 'RURAL_TOURISM', 'TRANSPORT', 'HANDICRAFT', 'SERVICES', 'OTHER_PRODUCTIVE'].map(
              (p) => ({ value: p, label: t(`purpose_${p}`) }),
            )}
          />
        </Form.Item>
        {apply.error ? <ProblemAlert error={apply.error} /> : null}
        <Space style={{ marginTop: 12 }}>
          <Button type="primary" htmlType="submit" loading={apply.isPending}>
            {t('submit')}
          </Button>
          <Button onClick={onClose}>{t('cancel')}</Button>
        </Space>
      </Form>
    </Drawer>
  );
}
