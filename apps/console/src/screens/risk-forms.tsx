import { useQuery } from '@tanstack/react-query';
import { Form, Input, Select } from 'antd';
import { api, unwrap, type components } from '../api/client.js';
import { compact, FormModal, useRules, useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';

type Bank = components['schemas']['BankResponse'];
type Agreement = components['schemas']['GuaranteeAgreementResponse'];
const DEPOSIT_SOURCES = ['CENTRAL', 'CITY', 'DISTRICT', 'SOE'] as const;

const riskKeys = (id: string) => [['risk-fund-capacity', id], ['risk-funds'], ['guarantee-agreements', id]];

/** 登记注资: a deposit or top-up by source (ledger, contribution, cover pool). */
export function DepositForm({ riskFundId, onClose }: { riskFundId: string; onClose: () => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const source = Form.useWatch('source', form) as string | undefined;
  const write = useWrite(
    form,
    (v: Record<string, unknown>, header) =>
      unwrap(api.POST('/api/v1/risk-funds/{id}/deposits', { params: { path: { id: riskFundId }, header }, body: v as never })),
    {
      invalidate: riskKeys(riskFundId),
      onSuccess: () => {
        toast(t('f_deposited'));
        onClose();
      },
    },
  );
  return (
    <FormModal
      open
      title={t('f_deposit')}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate(compact(v))}
      testId="deposit-form"
    >
      <Form.Item name="source" label={t('source')} rules={[rules.required]}>
        <Select options={DEPOSIT_SOURCES.map((s) => ({ value: s, label: t(`src_${s}`) }))} />
      </Form.Item>
      <Form.Item name="amount" label={t('f_amountYuan')} rules={[rules.required, rules.yuan]}>
        <Input inputMode="decimal" />
      </Form.Item>
      <Form.Item name="receivedOn" label={t('receivedOn')} rules={[rules.required, rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      <Form.Item name="documentRef" label={t('documentRef')}>
        <Input maxLength={100} />
      </Form.Item>
      {source === 'SOE' ? (
        <>
          <Form.Item name="soeName" label={t('f_soeName')} rules={[rules.required, { min: 2, message: t('required') }]}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="soeProfitBase" label={t('f_soeProfitBase')} rules={[rules.yuan]}>
            <Input inputMode="decimal" />
          </Form.Item>
        </>
      ) : null}
      <Form.Item name="memo" label={t('f_memo')}>
        <Input maxLength={500} />
      </Form.Item>
    </FormModal>
  );
}

/** 新建合作协议: one per risk fund and bank; the terms left empty take the API's defaults. */
export function AgreementForm({ riskFundId, onClose }: { riskFundId: string; onClose: () => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const banks = useQuery({
    queryKey: ['banks'],
    queryFn: () => unwrap<{ items: Bank[] }>(api.GET('/api/v1/banks', { params: { query: { pageSize: 100 } } })),
  });
  const write = useWrite(
    form,
    (v: Record<string, unknown>) => unwrap<Agreement>(api.POST('/api/v1/guarantee-agreements', { body: v as never })),
    {
      invalidate: riskKeys(riskFundId),
      onSuccess: () => {
        toast(t('f_agreementCreated'));
        onClose();
      },
    },
  );
  const submit = (v: Record<string, unknown>) =>
    write.mutate(compact({ ...v, riskFundId, triggerDays: v.triggerDays ? Number(v.triggerDays) : undefined }));
  return (
    <FormModal
      open
      title={t('f_createAgreement')}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={submit}
      testId="agreement-form"
    >
      <Form.Item name="agreementNo" label={t('agreementNo')} rules={[rules.required]}>
        <Input maxLength={64} />
      </Form.Item>
      <Form.Item name="bankId" label={t('bank')} rules={[rules.required]}>
        <Select options={(banks.data?.items ?? []).map((b) => ({ value: b.id, label: `${b.name} (${b.code})` }))} />
      </Form.Item>
      <Form.Item name="validFrom" label={t('validFrom')} rules={[rules.required, rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      <Form.Item name="validTo" label={t('f_validTo')} rules={[rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      <Form.Item name="leverageMultiple" label={t('multiple')} rules={[rules.decimal]}>
        <Input placeholder="10" />
      </Form.Item>
      <Form.Item name="entityLeverageMultiple" label={t('f_entityMultiple')} rules={[rules.decimal]}>
        <Input />
      </Form.Item>
      <Form.Item name="fundSharePercent" label={t('fundShare')} rules={[rules.decimal]}>
        <Input placeholder="80" />
      </Form.Item>
      <Form.Item name="bankSharePercent" label={t('bankShare')} rules={[rules.decimal]}>
        <Input placeholder="20" />
      </Form.Item>
      <Form.Item name="compensationMode" label={t('f_compensationMode')}>
        <Select allowClear options={['ADVANCE', 'FINAL_LOSS'].map((m) => ({ value: m, label: t(`mode_${m}`) }))} />
      </Form.Item>
      <Form.Item name="triggerDays" label={t('f_triggerDays')} rules={[{ pattern: /^\d{1,3}$/, message: t('f_percentFormat') }]}>
        <Input inputMode="numeric" placeholder="90" />
      </Form.Item>
      <Form.Item name="nplThresholdPercent" label={t('nplThreshold')} rules={[rules.decimal]}>
        <Input placeholder="5" />
      </Form.Item>
    </FormModal>
  );
}

/** 终止合作协议: no new loans covered from the date on; the covered ones run off. */
export function TerminateForm({ agreement, onClose }: { agreement: Agreement; onClose: () => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const write = useWrite(
    form,
    (v: Record<string, unknown>) =>
      unwrap(api.POST('/api/v1/guarantee-agreements/{id}/terminate', { params: { path: { id: agreement.id } }, body: v as never })),
    {
      invalidate: riskKeys(agreement.riskFundId),
      onSuccess: () => {
        toast(t('f_terminated'));
        onClose();
      },
    },
  );
  return (
    <FormModal
      open
      title={`${t('f_terminate')} ${agreement.agreementNo}`}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate(compact(v))}
      okText={t('f_terminate')}
      testId="terminate-form"
    >
      <p>{t('f_terminateConfirm')}</p>
      <Form.Item name="terminatedOn" label={t('f_terminatedOn')} rules={[rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
    </FormModal>
  );
}
