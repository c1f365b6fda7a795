import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Descriptions, Drawer, Form, Input, Space, Table, Tabs } from 'antd';
import { api, ApiError, unwrap, type components } from '../api/client.js';
import { compact, useRules, useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { Money, StatusTag } from './common.js';

type Project = components['schemas']['AssetIncomeProjectResponse'];
type Run = components['schemas']['AssetIncomeRunResponse'];
type Liquidation = components['schemas']['AssetIncomeLiquidationResponse'];

const keys = [['asset-income-runs'], ['asset-income-projects']];

/** The record, or null where the API answers 404 (no run prepared yet). */
async function orNone<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (e) {
    if (e instanceof ApiError && e.problem.status === 404) return null;
    throw e;
  }
}

/** A project's dividend run and liquidation: preview first, then approval (by someone else) and payment. */
export function AssetIncomeRuns({ project, onClose }: { project: Project; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Drawer open onClose={onClose} size="large" title={`${project.name} · ${t('f_distributeThis')}`}>
      <Tabs
        items={[
          { key: 'dividend', label: t('f_dividendRun'), children: <DividendRun project={project} /> },
          { key: 'liquidation', label: t('f_liquidationRun'), children: <LiquidationRun project={project} /> },
        ]}
      />
    </Drawer>
  );
}

function DividendRun({ project }: { project: Project }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const [payForm] = Form.useForm();
  const qc = useQueryClient();
  const typed = Form.useWatch('year', form) as string | undefined;
  const y = typed && /^20\d\d$/.test(typed) ? Number(typed) : null;
  // the year's run as it stands (prepared by someone else, approved, paid), shown as soon as the year is typed
  const current = useQuery({
    queryKey: ['dividend-run', project.id, y],
    enabled: y !== null,
    staleTime: 0, // approved or paid by someone else meanwhile: read afresh whenever the year is typed again
    queryFn: () =>
      orNone(unwrap<Run>(api.GET('/api/v1/asset-income/projects/{id}/distributions/{year}', { params: { path: { id: project.id, year: y! } } }))),
  });
  const run = y !== null ? (current.data ?? null) : null;
  const setRun = (r: Run) => qc.setQueryData(['dividend-run', project.id, r.year], r);
  const year = () => String(form.getFieldValue('year'));
  const preview = useWrite(
    form,
    (v: Record<string, unknown>) => {
      const { year: y, ...body } = v;
      return unwrap<Run>(
        api.POST('/api/v1/asset-income/projects/{id}/distributions/{year}/preview', {
          params: { path: { id: project.id, year: Number(y) } },
          body: body as never,
        }),
      );
    },
    { invalidate: keys, onSuccess: (r) => setRun(r) },
  );
  const approve = useWrite(
    null,
    (_: null) =>
      unwrap<Run>(api.POST('/api/v1/asset-income/projects/{id}/distributions/{year}/approve', { params: { path: { id: project.id, year: Number(year()) } } })),
    { invalidate: keys, onSuccess: (r) => (setRun(r), toast(t('f_approved'))) },
  );
  const pay = useWrite(
    payForm,
    (v: Record<string, unknown>, header) =>
      unwrap<Run>(
        api.POST('/api/v1/asset-income/projects/{id}/distributions/{year}/pay', {
          params: { path: { id: project.id, year: Number(year()) }, header },
          body: v as never,
        }),
      ),
    { invalidate: keys, onSuccess: (r) => (setRun(r), toast(t('f_paid'))) },
  );
  return (
    <>
      <Form form={form} layout="inline" onFinish={(v) => preview.mutate(compact(v))} data-testid="dividend-form" style={{ rowGap: 8 }}>
        <Form.Item name="year" label={t('year')} rules={[rules.required, { pattern: /^20\d\d$/, message: t('f_percentFormat') }]}>
          <Input style={{ width: 90 }} inputMode="numeric" />
        </Form.Item>
        <Form.Item name="recordDate" label={t('f_recordDate')} rules={[rules.date]}>
          <Input style={{ width: 130 }} placeholder="YYYY-MM-DD" />
        </Form.Item>
        <Form.Item name="operatorTopUpAvailable" label={t('f_operatorTopUp')} rules={[rules.yuan]}>
          <Input style={{ width: 140 }} inputMode="decimal" />
        </Form.Item>
        <Button htmlType="submit" type="primary" loading={preview.isPending}>{t('f_preview')}</Button>
      </Form>
      <ProblemAlert error={preview.error ?? approve.error ?? pay.error ?? current.error} />
      {run ? (
        <div data-testid="dividend-preview" style={{ marginTop: 12 }}>
          <Descriptions size="small" bordered column={2} title={<>{t('f_previewResult')} · {run.year} <StatusTag value={run.status} prefix="run_" /></>}>
            <Descriptions.Item label={t('netProfit')}><Money value={run.netProfit} /></Descriptions.Item>
            <Descriptions.Item label={t('distributable')}><Money value={run.distributable} /></Descriptions.Item>
            <Descriptions.Item label={t('f_floorShortfall')}><Money value={run.floorShortfall} /></Descriptions.Item>
            <Descriptions.Item label={t('paidNow')}><Money value={run.paidNow} /></Descriptions.Item>
            <Descriptions.Item label={t('householdsBenefited')}>{run.householdsBenefited}</Descriptions.Item>
            <Descriptions.Item label={t('f_recordDate')}>{run.recordDate}</Descriptions.Item>
          </Descriptions>
          <Table
            style={{ marginTop: 8 }}
            rowKey="classKind"
            size="small"
            pagination={false}
            dataSource={run.byClass}
            columns={[
              { title: t('f_classKind'), dataIndex: 'classKind', render: (v: string) => t(`cls_${v}`) },
              { title: t('f_holders'), dataIndex: 'holders', align: 'right' },
              { title: t('f_basis'), dataIndex: 'basis', align: 'right', render: (v: string) => <Money value={v} /> },
              { title: t('paidNow'), dataIndex: 'paid', align: 'right', render: (v: string) => <Money value={v} /> },
            ]}
          />
          <Space style={{ marginTop: 12 }}>
            {run.status === 'PREPARED' ? (
              <Button type="primary" loading={approve.isPending} onClick={() => approve.mutate(null)}>{t('f_approve')}</Button>
            ) : null}
            {run.status === 'APPROVED' ? (
              <Form form={payForm} layout="inline" onFinish={(v) => pay.mutate(compact(v))}>
                <Form.Item name="paidOn" label={t('paidOn')} rules={[rules.date]}>
                  <Input style={{ width: 130 }} placeholder="YYYY-MM-DD" />
                </Form.Item>
                <Button htmlType="submit" type="primary" loading={pay.isPending}>{t('f_pay')}</Button>
              </Form>
            ) : null}
          </Space>
        </div>
      ) : null}
    </>
  );
}

function LiquidationRun({ project }: { project: Project }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const [payForm] = Form.useForm();
  const qc = useQueryClient();
  const id = project.id;
  const current = useQuery({
    queryKey: ['liquidation', id],
    staleTime: 0,
    queryFn: () => orNone(unwrap<Liquidation>(api.GET('/api/v1/asset-income/projects/{id}/liquidation', { params: { path: { id } } }))),
  });
  const run = current.data ?? null;
  const setRun = (r: Liquidation) => qc.setQueryData(['liquidation', id], r);
  const preview = useWrite(
    form,
    (v: Record<string, unknown>) => unwrap<Liquidation>(api.POST('/api/v1/asset-income/projects/{id}/liquidation/preview', { params: { path: { id } }, body: v as never })),
    { invalidate: keys, onSuccess: (r) => setRun(r) },
  );
  const approve = useWrite(
    null,
    (_: null) => unwrap<Liquidation>(api.POST('/api/v1/asset-income/projects/{id}/liquidation/approve', { params: { path: { id } } })),
    { invalidate: keys, onSuccess: (r) => (setRun(r), toast(t('f_approved'))) },
  );
  const pay = useWrite(
    payForm,
    (v: Record<string, unknown>, header) =>
      unwrap<Liquidation>(api.POST('/api/v1/asset-income/projects/{id}/liquidation/pay', { params: { path: { id }, header }, body: v as never })),
    { invalidate: keys, onSuccess: (r) => (setRun(r), toast(t('f_paid'))) },
  );
  // the API liquidates only a project flagged by its net assets (LIQUIDATION_REQUIRED)
  const flagged = project.status === 'LIQUIDATION_REQUIRED';
  return (
    <>
      {!flagged && !run ? <Alert type="info" showIcon title={t('f_liquidationNotRequired')} style={{ marginBottom: 12 }} /> : null}
      <Form form={form} layout="inline" onFinish={(v) => preview.mutate(compact(v))} data-testid="liquidation-form" style={{ rowGap: 8 }}>
        <Form.Item name="proceeds" label={t('f_proceeds')} rules={[rules.required, rules.yuan]}>
          <Input style={{ width: 150 }} inputMode="decimal" />
        </Form.Item>
        <Form.Item name="liquidationDate" label={t('f_liquidationDate')} rules={[rules.required, rules.date]}>
          <Input style={{ width: 130 }} placeholder="YYYY-MM-DD" />
        </Form.Item>
        <Button htmlType="submit" type="primary" disabled={!flagged} loading={preview.isPending}>{t('f_preview')}</Button>
      </Form>
      <ProblemAlert error={preview.error ?? approve.error ?? pay.error ?? current.error} />
      {run ? (
        <div data-testid="liquidation-preview" style={{ marginTop: 12 }}>
          <Descriptions size="small" bordered column={2} title={<>{t('f_previewResult')} <StatusTag value={run.status} prefix="run_" /></>}>
            <Descriptions.Item label={t('f_proceeds')}><Money value={run.proceeds} /></Descriptions.Item>
            <Descriptions.Item label={t('specialFund')}><Money value={run.specialFund} /></Descriptions.Item>
            <Descriptions.Item label={t('f_specialRepaid')}><Money value={run.specialRepaid} /></Descriptions.Item>
            <Descriptions.Item label={t('f_others')}><Money value={run.others} /></Descriptions.Item>
          </Descriptions>
          <Table
            style={{ marginTop: 8 }}
            rowKey="classKind"
            size="small"
            pagination={false}
            dataSource={run.byClass}
            columns={[
              { title: t('f_classKind'), dataIndex: 'classKind', render: (v: string) => t(`cls_${v}`) },
              { title: t('f_holders'), dataIndex: 'holders', align: 'right' },
              { title: t('f_basis'), dataIndex: 'basis', align: 'right', render: (v: string) => <Money value={v} /> },
              { title: t('amount'), dataIndex: 'amount', align: 'right', render: (v: string) => <Money value={v} /> },
            ]}
          />
          <Space style={{ marginTop: 12 }}>
            {run.status === 'PREPARED' ? (
              <Button type="primary" danger loading={approve.isPending} onClick={() => approve.mutate(null)}>{t('f_approve')}</Button>
            ) : null}
            {run.status === 'APPROVED' ? (
              <Form form={payForm} layout="inline" onFinish={(v) => pay.mutate(compact(v))}>
                <Form.Item name="paidOn" label={t('paidOn')} rules={[rules.date]}>
                  <Input style={{ width: 130 }} placeholder="YYYY-MM-DD" />
                </Form.Item>
                <Button htmlType="submit" type="primary" danger loading={pay.isPending}>{t('f_pay')}</Button>
              </Form>
            ) : null}
          </Space>
        </div>
      ) : null}
    </>
  );
}
