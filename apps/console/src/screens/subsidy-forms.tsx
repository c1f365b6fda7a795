import { Form, Input, Table } from 'antd';
import { useState } from 'react';
import { api, unwrap, type components } from '../api/client.js';
import { compact, FormModal, useRules, useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';
import { Money, StatusTag } from './common.js';

type Programme = components['schemas']['SubsidyProgrammeResponse'];
type SubsidyClaim = components['schemas']['SubsidyClaimResponse'];
type Generation = components['schemas']['SubsidyGenerationResponse'];

const subsidyKeys = [['subsidy-claims'], ['subsidy-programmes']];

/** 生成贴息申请: one claim per bank or fund for the period ending on the date (reproducible; a changed draft is versioned). */
export function GenerateClaimsForm({ programme, onClose }: { programme: Programme; onClose: () => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const [done, setDone] = useState<Generation | null>(null);
  const write = useWrite(
    form,
    (v: Record<string, unknown>) =>
      unwrap<Generation>(api.POST('/api/v1/subsidy/programmes/{id}/claims/generate', { params: { path: { id: programme.id } }, body: v as never })),
    {
      invalidate: subsidyKeys,
      onSuccess: (r) => {
        toast(t('f_claimsGenerated'));
        setDone(r);
      },
    },
  );
  return (
    <FormModal
      open
      title={`${t('f_generateClaims')} · ${programme.name}`}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate(compact(v))}
      testId="generate-form"
    >
      <Form.Item name="periodEnd" label={t('periodEnd')} rules={[rules.required, rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      <Form.Item name="asOf" label={t('f_asOf')} rules={[rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      {done ? (
        <Table
          data-testid="generated"
          rowKey={(r) => `${r.payee.type}-${r.payee.id}`}
          size="small"
          pagination={false}
          locale={{ emptyText: t('f_nothingGenerated') }}
          dataSource={done.claims}
          columns={[
            { title: t('status'), dataIndex: 'action', render: (v: string) => t(`f_action_${v}`) },
            { title: t('f_subsidyClaimNo'), key: 'no', render: (_: unknown, r) => r.claim?.claimNo ?? '—' },
            { title: t('totalAmount'), key: 'total', align: 'right', render: (_: unknown, r) => <Money value={r.claim?.total} /> },
          ]}
        />
      ) : null}
    </FormModal>
  );
}

/** 登记支付: an approved claim paid (or a clawback received); the claim is then PAID and final. */
export function SettleClaimForm({ claim, onClose }: { claim: SubsidyClaim; onClose: () => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const write = useWrite(
    form,
    (v: Record<string, unknown>, header) =>
      unwrap(api.POST('/api/v1/subsidy/claims/{id}/settle', { params: { path: { id: claim.id }, header }, body: v as never })),
    {
      invalidate: subsidyKeys,
      onSuccess: () => {
        toast(t('f_settled'));
        onClose();
      },
    },
  );
  return (
    <FormModal
      open
      title={
        <>
          {t('f_settle')} · {claim.claimNo} <StatusTag value={claim.status} prefix="sc_" />
        </>
      }
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate(compact(v))}
      testId="settle-form"
    >
      <p>
        {t('totalAmount')}: <Money value={claim.total} />
      </p>
      <Form.Item name="paymentRef" label={t('f_paymentRef')} rules={[rules.required]}>
        <Input maxLength={100} />
      </Form.Item>
      <Form.Item name="paidOn" label={t('paidOn')} rules={[rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
    </FormModal>
  );
}
