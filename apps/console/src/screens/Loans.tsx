import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Descriptions, Drawer, Form, Input, Select, Space, Table } from 'antd';
import { useState } from 'react';
import { api, idem, unwrap, type Page } from '../api/client.js';
import { formatDate, YUAN_INPUT } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { applyFieldErrors, ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { APPLICATION_STATUSES, ApplicationDrawer } from './application-panel.js';
import { Money, PageTitle, StatusTag } from './common.js';

interface Loan {
  id: string;
  loanNo: string;
  channel: string;
  status: string;
  borrower: { headName: string; idNumber: string } | null;
  villageName: string | null;
  principal: string;
  outstandingPrincipal: string;
  daysOverdue: number;
  disbursementDate: string | null;
  maturityDate: string | null;
}
interface Amounts {
  principal: string;
  interest: string;
  penalty: string;
  total: string;
}
interface Statement {
  loan: { loanNo: string; status: string; principal: string; annualRatePercent: string };
  asOf: string;
  installments: { number: number; dueDate: string; status: string; scheduled: Amounts; paid: Amounts; outstanding: Amounts; daysOverdue: number }[];
}
interface Payoff {
  valueDate: string;
  principal: string;
  interestDue: string;
  interestAccrued: string;
  penalty: string;
  total: string;
}

const CHANNELS = ['CASH', 'BANK_TRANSFER', 'MOBILE_PAYMENT', 'PAYROLL_DEDUCTION'];

export default function Loans() {
  const { t } = useI18n();
  const [status, setStatus] = useState<string | undefined>('DISBURSED');
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<Loan | null>(null);
  const list = useQuery({
    queryKey: ['loans', status, page],
    queryFn: () =>
      unwrap<Page<Loan>>(
        api.GET('/api/v1/loans', {
          params: { query: { channel: 'MUTUAL_AID', status: status as never, page: page as never, pageSize: 20 as never } },
        }),
      ),
  });
  return (
    <div>
      <PageTitle>{t('nav_loans')}</PageTitle>
      <Space style={{ marginBottom: 12 }}>
        <span>{t('status')}</span>
        <Select
          allowClear
          data-testid="loan-status"
          style={{ width: 160 }}
          value={status}
          onChange={(v) => {
            setPage(1);
            setStatus(v);
          }}
          options={[...APPLICATION_STATUSES, 'APPROVED', 'DISBURSED', 'CLOSED', 'WRITTEN_OFF'].map((s) => ({ value: s, label: t(`st_${s}`) }))}
        />
      </Space>
      {list.error ? <ProblemAlert error={list.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('loanNo'), dataIndex: 'loanNo', render: (v: string, r: Loan) => (
              <Button type="link" size="small" style={{ padding: 0 }} onClick={() => setOpen(r)}>
                {v}
              </Button>
            ),
          },
          { title: t('borrower'), key: 'b', render: (_: unknown, r: Loan) => r.borrower?.headName ?? '—' },
          { title: t('village'), dataIndex: 'villageName' },
          { title: t('principal'), dataIndex: 'principal', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('outstandingPrincipal'), dataIndex: 'outstandingPrincipal', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('daysOverdue'), dataIndex: 'daysOverdue', align: 'right' },
          { title: t('disbursementDate'), dataIndex: 'disbursementDate', render: formatDate },
          { title: t('maturityDate'), dataIndex: 'maturityDate', render: formatDate },
          { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="st_" /> },
        ]}
      />
      {open && (APPLICATION_STATUSES as readonly string[]).includes(open.status) ? (
        <ApplicationDrawer id={open.id} title={`${open.loanNo} · ${open.borrower?.headName ?? ''}`} onClose={() => setOpen(null)} />
      ) : open ? (
        <LoanDrawer loan={open} onClose={() => setOpen(null)} />
      ) : null}
    </div>
  );
}

/** The schedule, the payoff on a value date, and (for loan officers and fund administrators) recording a repayment. */
function LoanDrawer({ loan, onClose }: { loan: Loan; onClose(): void }) {
  const { t, fieldErrorText } = useI18n();
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const [valueDate, setValueDate] = useState<string | undefined>();
  const id = loan.id;
  const statement = useQuery({
    queryKey: ['statement', id],
    queryFn: () => unwrap<Statement>(api.GET('/api/v1/loans/{id}/statement', { params: { path: { id } } })),
  });
  const payoff = useQuery({
    queryKey: ['payoff', id, valueDate],
    queryFn: () =>
      unwrap<Payoff>(api.GET('/api/v1/loans/{id}/payoff', { params: { path: { id }, query: valueDate ? ({ valueDate } as never) : {} } })),
  });
  const repay = useMutation({
    mutationFn: (v: Record<string, unknown>) =>
      unwrap(api.POST('/api/v1/loans/{id}/repayments', { params: { path: { id }, header: idem() }, body: v as never })),
    onSuccess: () => {
      void message.success(t('repaymentRecorded'));
      form.resetFields(['amount', 'reference']);
      for (const k of ['statement', 'payoff', 'loans', 'funds']) void qc.invalidateQueries({ queryKey: [k] });
    },
    onError: (e) => applyFieldErrors(form, e, fieldErrorText),
  });
  const p = payoff.data;
  return (
    <Drawer open onClose={onClose} size="large" title={`${loan.loanNo} · ${loan.borrower?.headName ?? ''}`}>
      <h3>{t('schedule')}</h3>
      {statement.error ? <ProblemAlert error={statement.error} /> : null}
      <Table
        rowKey="number"
        size="small"
        pagination={false}
        loading={statement.isLoading}
        dataSource={statement.data?.installments ?? []}
        columns={[
          { title: t('period'), dataIndex: 'number' },
          { title: t('dueDate'), dataIndex: 'dueDate' },
          { title: t('principal'), key: 'p', align: 'right', render: (_: unknown, r) => <Money value={r.scheduled.principal} /> },
          { title: t('interest'), key: 'i', align: 'right', render: (_: unknown, r) => <Money value={r.scheduled.interest} /> },
          { title: t('paid'), key: 'paid', align: 'right', render: (_: unknown, r) => <Money value={r.paid.total} /> },
          { title: t('outstanding'), key: 'o', align: 'right', render: (_: unknown, r) => <Money value={r.outstanding.total} /> },
          { title: t('daysOverdue'), dataIndex: 'daysOverdue', align: 'right' },
        ]}
      />
      <Card size="small" title={t('payoff')} style={{ marginTop: 16 }}>
        {p ? (
          <Descriptions size="small" column={3} data-testid="payoff">
            <Descriptions.Item label={t('payoffOn')}>{p.valueDate}</Descriptions.Item>
            <Descriptions.Item label={t('principal')}>
              <Money value={p.principal} />
            </Descriptions.Item>
            <Descriptions.Item label={t('interestAccrued')}>
              <Money value={p.interestAccrued} />
            </Descriptions.Item>
            <Descriptions.Item label={t('interest')}>
              <Money value={p.interestDue} />
            </Descriptions.Item>
            <Descriptions.Item label={t('penalty')}>
              <Money value={p.penalty} />
            </Descriptions.Item>
            <Descriptions.Item label={t('total')}>
              <b>
                <Money value={p.total} />
              </b>
            </Descriptions.Item>
          </Descriptions>
        ) : payoff.error ? (
          <ProblemAlert error={payoff.error} />
        ) : null}
      </Card>
      {can(me, 'recordRepayment') && loan.status === 'DISBURSED' ? (
        <Card size="small" title={t('recordRepayment')} style={{ marginTop: 16 }}>
          <Form
            name="loans1"
            form={form}
            layout="vertical"
            initialValues={{ channel: 'CASH' }}
            onFinish={(v) => repay.mutate({ ...v, valueDate: v.valueDate || p?.valueDate })}
          >
            <Space align="start" wrap>
              <Form.Item
                label={t('amount')}
                name="amount"
                rules={[{ required: true, message: t('required') }, { pattern: YUAN_INPUT, message: '1000.00' }]}
              >
                <Input inputMode="decimal" placeholder="1000.00" style={{ width: 140 }} />
              </Form.Item>
              <Form.Item label={t('valueDate')} name="valueDate" rules={[{ pattern: /^\d{4}-\d{2}-\d{2}$/, message: 'YYYY-MM-DD' }]}>
                <Input
                  placeholder={p?.valueDate ?? 'YYYY-MM-DD'}
                  style={{ width: 140 }}
                  onBlur={(e) => setValueDate(/^\d{4}-\d{2}-\d{2}$/.test(e.target.value) ? e.target.value : undefined)}
                />
              </Form.Item>
              <Form.Item label={t('channel')} name="channel">
                <Select style={{ width: 140 }} options={CHANNELS.map((c) => ({ value: c, label: t(`ch_${c}`) }))} />
              </Form.Item>
              <Form.Item label={t('reference')} name="reference">
                <Input style={{ width: 160 }} />
              </Form.Item>
            </Space>
            {repay.error ? <ProblemAlert error={repay.error} /> : null}
            <Button type="primary" htmlType="submit" loading={repay.isPending} style={{ marginTop: 8 }}>
              {t('recordRepayment')}
            </Button>
          </Form>
        </Card>
      ) : null}
    </Drawer>
  );
}
