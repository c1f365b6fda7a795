import { useQuery } from '@tanstack/react-query';
import { App, Button, Checkbox, Descriptions, Form, Input, InputNumber, Modal } from 'antd';
import { useEffect, useState } from 'react';
import { api, unwrap, type components } from '../api/client.js';
import { compact, FormModal, useRules, useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { Money } from './common.js';

export type CoveredLoan = components['schemas']['CoveredLoanResponse'];
export type Claim = components['schemas']['CompensationClaimResponse'];
type Recovered = components['schemas']['CompensationClaimWithRecoveryResponse'];

/** What a bank's report changes: the loan (list and detail), the bank's capacity per district, the claims. */
export const bankKeys = (loanId?: string) => [
  ['covered-loans'],
  ['covered-loan', ...(loanId ? [loanId] : [])],
  ['bank-capacity'],
  ['compensation-claims'],
];

/** The business date: the day a report defaults to (the API refuses any later one). */
function useToday(form: ReturnType<typeof Form.useForm>[0], field: string) {
  const today = useQuery({
    queryKey: ['business-date'],
    queryFn: () => unwrap<{ businessDate: string }>(api.GET('/api/v1/business-date')),
  });
  const date = today.data?.businessDate;
  useEffect(() => {
    if (date && !form.getFieldValue(field)) form.setFieldsValue({ [field]: date });
  }, [date, form, field]);
}

/** 报送还款: a repayment the bank received (principal lowers the outstanding and the exposure). */
export function RepaymentForm({ loan, onClose }: { loan: CoveredLoan; onClose: () => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  useToday(form, 'paidOn');
  const write = useWrite(
    form,
    (v: Record<string, unknown>, header) =>
      unwrap<CoveredLoan>(
        api.POST('/api/v1/covered-loans/{id}/repayments', {
          params: { path: { id: loan.id }, header },
          body: v as never,
        }),
      ),
    {
      invalidate: bankKeys(loan.id),
      onSuccess: () => {
        toast(t('b_repaymentReported'));
        onClose();
      },
    },
  );
  return (
    <FormModal
      open
      title={`${t('b_reportRepayment')} · ${loan.bankLoanRef}`}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate(compact(v))}
      testId="repayment-form"
    >
      <p>
        {t('b_outstandingNow')}: <Money value={loan.outstandingPrincipal} />
      </p>
      <Form.Item name="paidOn" label={t('b_paidOn')} rules={[rules.required, rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      <Form.Item name="principal" label={t('b_principalYuan')} rules={[rules.required, rules.yuan]}>
        <Input inputMode="decimal" placeholder="2500.00" />
      </Form.Item>
      <Form.Item name="interest" label={t('b_interestYuan')} rules={[rules.yuan]}>
        <Input inputMode="decimal" placeholder="0.00" />
      </Form.Item>
    </FormModal>
  );
}

/** 报送逾期状态: the days overdue as the bank sees them (beyond the line: non-performing), recovery exhausted. */
export function StatusForm({ loan, onClose }: { loan: CoveredLoan; onClose: () => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  useToday(form, 'asOf');
  const write = useWrite(
    form,
    (v: Record<string, unknown>, header) =>
      unwrap<CoveredLoan>(
        api.POST('/api/v1/covered-loans/{id}/status', {
          params: { path: { id: loan.id }, header },
          body: v as never,
        }),
      ),
    {
      invalidate: bankKeys(loan.id),
      onSuccess: () => {
        toast(t('b_statusReported'));
        onClose();
      },
    },
  );
  return (
    <FormModal
      open
      title={`${t('b_reportStatus')} · ${loan.bankLoanRef}`}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate({ ...compact(v), recoveryExhausted: !!v.recoveryExhausted })}
      testId="status-form"
      initialValues={{ daysOverdue: loan.daysOverdue, recoveryExhausted: loan.recoveryExhausted }}
    >
      <Form.Item name="asOf" label={t('b_asOf')} rules={[rules.required, rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      <Form.Item name="daysOverdue" label={t('b_daysOverdue')} rules={[rules.required]}>
        <InputNumber min={0} max={36500} precision={0} style={{ width: 160 }} />
      </Form.Item>
      <Form.Item name="recoveryExhausted" valuePropName="checked">
        <Checkbox>{t('b_recoveryExhausted')}</Checkbox>
      </Form.Item>
    </FormModal>
  );
}

/** 申请代偿: the bank claims the fund's share on a loan in default; every unmet condition is answered at once. */
export function FileClaimForm({ loan, onClose }: { loan: CoveredLoan; onClose: () => void }) {
  const { t } = useI18n();
  const toast = useToast();
  const [form] = Form.useForm();
  const write = useWrite(
    form,
    (v: Record<string, unknown>, header) =>
      unwrap<Claim>(
        api.POST('/api/v1/covered-loans/{id}/claims', {
          params: { path: { id: loan.id }, header },
          body: v as never,
        }),
      ),
    {
      invalidate: bankKeys(loan.id),
      onSuccess: (c) => {
        toast(`${t('b_claimFiled')}: ${c.claimNo}`);
        onClose();
      },
    },
  );
  return (
    <FormModal
      open
      title={`${t('b_fileClaim')} · ${loan.bankLoanRef}`}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate(compact(v))}
      testId="claim-form"
    >
      <p>{t('b_claimHint')}</p>
      <p>
        {t('b_daysOverdue')}: {loan.daysOverdue} · {t('b_outstandingNow')}:{' '}
        <Money value={loan.outstandingPrincipal} />
      </p>
      <Form.Item name="memo" label={t('b_memo')}>
        <Input.TextArea rows={2} maxLength={500} />
      </Form.Item>
    </FormModal>
  );
}

/** 登记追偿: money recovered after compensation; the answer's split (fund / bank) is shown once recorded. */
export function RecoveryForm({ claim, onClose }: { claim: Claim; onClose: () => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const [form] = Form.useForm();
  const [done, setDone] = useState<Recovered | null>(null);
  useToday(form, 'recoveredOn');
  const write = useWrite(
    form,
    (v: Record<string, unknown>, header) =>
      unwrap<Recovered>(
        api.POST('/api/v1/compensation-claims/{id}/recoveries', {
          params: { path: { id: claim.id }, header },
          body: v as never,
        }),
      ),
    {
      invalidate: [['compensation-claims'], ['compensation-claim', claim.id], ['covered-loan', claim.loanId]],
      onSuccess: setDone,
    },
  );
  if (done)
    return (
      <Modal
        open
        title={`${t('b_recoveryRecorded')} · ${claim.claimNo}`}
        onCancel={onClose}
        footer={
          <Button type="primary" onClick={onClose} data-testid="recovery-close">
            {t('b_close')}
          </Button>
        }
      >
        <Descriptions size="small" column={1} bordered title={t('b_split')} data-testid="recovery-split">
          <Descriptions.Item label={t('b_recoveryAmount')}>
            <Money value={done.recovery.amount} />
          </Descriptions.Item>
          <Descriptions.Item label={t('b_fundPart')}>
            <span data-testid="recovery-fund-part">
              <Money value={done.recovery.fundPart} />
            </span>
          </Descriptions.Item>
          <Descriptions.Item label={t('b_bankPart')}>
            <span data-testid="recovery-bank-part">
              <Money value={done.recovery.bankPart} />
            </span>
          </Descriptions.Item>
          <Descriptions.Item label={t('b_recovered')}>
            <Money value={done.recovered} />
          </Descriptions.Item>
          <Descriptions.Item label={t('b_fundRecovered')}>
            <Money value={done.fundRecovered} />
          </Descriptions.Item>
        </Descriptions>
      </Modal>
    );
  return (
    <FormModal
      open
      title={`${t('b_recordRecovery')} · ${claim.claimNo}`}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={(v) => write.mutate(compact(v))}
      testId="recovery-form"
    >
      <p>
        {t('fundAmount')}: <Money value={claim.fundAmount} /> · {t('b_recovered')}:{' '}
        <Money value={claim.recovered} />
      </p>
      <Form.Item name="amount" label={t('b_recoveryAmount')} rules={[rules.required, rules.yuan]}>
        <Input inputMode="decimal" placeholder="5000.00" />
      </Form.Item>
      <Form.Item name="recoveredOn" label={t('b_recoveredOn')} rules={[rules.required, rules.date]}>
        <Input placeholder="YYYY-MM-DD" />
      </Form.Item>
      <Form.Item name="memo" label={t('b_memo')}>
        <Input maxLength={500} />
      </Form.Item>
    </FormModal>
  );
}

/** 确认放款: an APPROVED loan's payout confirmed by the bank (its reserved cover becomes exposure). */
export function ConfirmDisbursementButton({ loan }: { loan: CoveredLoan }) {
  const { t } = useI18n();
  const { modal } = App.useApp();
  const toast = useToast();
  const write = useWrite(
    null,
    (_: null, header) =>
      unwrap<CoveredLoan>(
        api.POST('/api/v1/covered-loans/{id}/disbursement', { params: { path: { id: loan.id }, header } }),
      ),
    {
      invalidate: bankKeys(loan.id),
      onSuccess: () => toast(t('b_disbursementConfirmed')),
    },
  );
  return (
    <Button
      loading={write.isPending}
      onClick={() =>
        modal.confirm({
          title: `${t('b_confirmDisbursement')} · ${loan.bankLoanRef}`,
          content: t('b_confirmDisbursementText'),
          onOk: () =>
            write.mutate(null, {
              onError: (e) =>
                modal.error({
                  title: t('b_confirmDisbursement'),
                  content: <ProblemAlert error={e} />,
                  width: 520,
                }),
            }),
        })
      }
    >
      {t('b_confirmDisbursement')}
    </Button>
  );
}
