import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Drawer, Form, Input, InputNumber, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { api, idem, unwrap, type Page } from '../api/client.js';
import { formatDate, sumMoney, YUAN_INPUT } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { applyFieldErrors, ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { Money, PageTitle, StatusTag } from './common.js';
import { CoveredDetail } from './CoveredDetail.js';
import { SheetImport } from './SheetImport.js';

interface CoveredLoan {
  id: string;
  loanNo: string;
  bankLoanRef: string;
  principal: string;
  outstandingPrincipal: string;
  termMonths: number;
  status: string;
  disbursementDate: string;
  daysOverdue: number;
  nonPerforming: boolean;
}
interface BankCapacity {
  bankName: string;
  asOf: string;
  agreements: {
    agreementId: string;
    agreementNo: string;
    districtId: string;
    districtCode: string;
    multiple: string;
    capacity: string;
    exposureOutstanding: string;
    acceptsNewLoans: boolean;
  }[];
}

export default function Covered() {
  const { t } = useI18n();
  const { me } = useSession();
  const [page, setPage] = useState(1);
  const [registering, setRegistering] = useState(false);
  const [importing, setImporting] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['covered-loans', page],
    queryFn: () =>
      unwrap<Page<CoveredLoan>>(api.GET('/api/v1/covered-loans', { params: { query: { page: page as never, pageSize: 20 as never } } })),
  });
  const bankId = me?.bankId ? String(me.bankId) : null;
  const capacity = useQuery({
    queryKey: ['bank-capacity', bankId],
    enabled: !!bankId,
    queryFn: () => unwrap<BankCapacity>(api.GET('/api/v1/banks/{id}/capacity', { params: { path: { id: bankId! } } })),
  });
  return (
    <div>
      <PageTitle
        extra={
          can(me, 'registerCovered') ? (
            <Space>
              <Button onClick={() => setImporting(true)}>{t('imp_coveredButton')}</Button>
              <Button type="primary" onClick={() => setRegistering(true)}>
                {t('registerCovered')}
              </Button>
            </Space>
          ) : null
        }
      >
        {t('nav_covered')}
      </PageTitle>
      {capacity.data ? (
        <Card size="small" title={`${t('bankCapacity')} · ${capacity.data.bankName} · ${capacity.data.asOf}`} style={{ marginBottom: 12 }}>
          <Table
            rowKey="agreementId"
            size="small"
            pagination={false}
            dataSource={capacity.data.agreements}
            columns={[
              { title: 'No.', dataIndex: 'agreementNo' },
              { title: t('leverage'), dataIndex: 'multiple', align: 'right' },
              { title: t('exposure'), dataIndex: 'exposureOutstanding', align: 'right', render: (v: string) => <Money value={v} /> },
              {
                title: t('capacity'),
                dataIndex: 'capacity',
                align: 'right',
                render: (v: string) => (
                  <span data-testid="bank-capacity">
                    <Money value={v} />
                  </span>
                ),
              },
              { title: t('status'), dataIndex: 'acceptsNewLoans', render: (v: boolean) => (v ? <Tag color="green">OK</Tag> : <Tag color="red">×</Tag>) },
            ]}
          />
        </Card>
      ) : null}
      {list.error ? <ProblemAlert error={list.error} /> : null}
      <Table
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('loanNo'), dataIndex: 'loanNo' },
          { title: t('bankLoanRef'), dataIndex: 'bankLoanRef' },
          { title: t('principal'), dataIndex: 'principal', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('outstandingPrincipal'), dataIndex: 'outstandingPrincipal', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: t('disbursementDate'), dataIndex: 'disbursementDate', render: formatDate },
          { title: t('daysOverdue'), dataIndex: 'daysOverdue', align: 'right' },
          {
            title: t('status'),
            dataIndex: 'status',
            render: (v: string, r: CoveredLoan) => (
              <>
                <StatusTag value={v} prefix="st_" />
                {r.nonPerforming ? <Tag color="red">{t('b_nonPerforming')}</Tag> : null}
              </>
            ),
          },
          {
            title: t('b_detail'),
            key: 'detail',
            render: (_: unknown, r: CoveredLoan) => (
              <Button size="small" type="link" onClick={() => setOpen(r.id)} data-testid={`covered-open-${r.bankLoanRef}`}>
                {t('b_detail')}
              </Button>
            ),
          },
        ]}
      />
      {open ? <CoveredDetail loanId={open} onClose={() => setOpen(null)} /> : null}
      {registering ? <RegisterCovered onClose={() => setRegistering(false)} /> : null}
      {importing && bankId ? <ImportCovered bankId={bankId} onClose={() => setImporting(false)} /> : null}
    </div>
  );
}

/**
 * Covered loans in bulk: dry run, then the registration (all or nothing), with the bank's remaining capacity in each
 * district read just before the import and again after it.
 */
function ImportCovered({ bankId, onClose }: { bankId: string; onClose(): void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [before, setBefore] = useState<BankCapacity | null>(null);
  const [after, setAfter] = useState<BankCapacity | null>(null);
  const districts = useQuery({
    queryKey: ['districts'],
    queryFn: () => unwrap<Page<{ id: string; name: string }>>(api.GET('/api/v1/districts', { params: { query: { pageSize: 500 as never } } })),
    staleTime: 300_000,
  });
  const read = () =>
    qc.fetchQuery({
      queryKey: ['bank-capacity', bankId],
      queryFn: () => unwrap<BankCapacity>(api.GET('/api/v1/banks/{id}/capacity', { params: { path: { id: bankId } } })),
      staleTime: 0,
    });
  const nameOf = (id: string, code: string) => districts.data?.items.find((d) => d.id === id)?.name ?? code;
  const rows = (before?.agreements ?? []).map((b) => ({ ...b, after: after?.agreements.find((a) => a.agreementId === b.agreementId)?.capacity }));
  return (
    <Drawer open onClose={onClose} title={t('imp_coveredTitle')} size="large">
      <SheetImport
        kind="covered-loans"
        path="/api/v1/covered-loans/import"
        beforeImport={async () => {
          setAfter(null);
          setBefore(await read());
        }}
        onImported={() => {
          void qc.invalidateQueries({ queryKey: ['covered-loans'] });
          void read().then(setAfter);
        }}
      >
        {before ? (
          <Card size="small" title={t('imp_capacity')} data-testid="capacity-change">
            <Table
              rowKey="agreementId"
              size="small"
              pagination={false}
              dataSource={rows}
              columns={[
                { title: t('district'), key: 'd', render: (_: unknown, r) => nameOf(r.districtId, r.districtCode) },
                { title: 'No.', dataIndex: 'agreementNo' },
                { title: t('imp_before'), dataIndex: 'capacity', align: 'right', render: (v: string) => <Money value={v} /> },
                {
                  title: t('imp_after'),
                  dataIndex: 'after',
                  align: 'right',
                  render: (v: string | undefined) => (
                    <span data-testid="capacity-after">
                      <Money value={v} />
                    </span>
                  ),
                },
                {
                  title: t('imp_change'),
                  key: 'c',
                  align: 'right',
                  render: (_: unknown, r) => (r.after === undefined ? '—' : <Money value={sumMoney([r.after, negate(r.capacity)])} />),
                },
              ]}
            />
          </Card>
        ) : null}
      </SheetImport>
    </Drawer>
  );
}

/** A decimal string's opposite, by its sign only. */
function negate(v: string): string {
  return v.startsWith('-') ? v.slice(1) : `-${v}`;
}

function RegisterCovered({ onClose }: { onClose(): void }) {
  const { t, fieldErrorText } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const today = useQuery({
    queryKey: ['business-date'],
    queryFn: () => unwrap<{ businessDate: string }>(api.GET('/api/v1/business-date')),
  });
  const reg = useMutation({
    mutationFn: (v: Record<string, unknown>) => unwrap<CoveredLoan>(api.POST('/api/v1/covered-loans', { params: { header: idem() }, body: v as never })),
    onSuccess: (l) => {
      void message.success(`${t('registered')}: ${l.loanNo}`);
      void qc.invalidateQueries({ queryKey: ['covered-loans'] });
      void qc.invalidateQueries({ queryKey: ['bank-capacity'] });
      onClose();
    },
    onError: (e) => applyFieldErrors(form, e, fieldErrorText),
  });
  return (
    <Drawer open onClose={onClose} title={t('registerCovered')}>
      <Form
        name="covered1"
        form={form}
        layout="vertical"
        initialValues={{ borrowerType: 'HOUSEHOLD', productCode: 'HH_MICRO_STD', termMonths: 12, purpose: 'BREEDING' }}
        onFinish={(v) => reg.mutate({ ...v, disbursementDate: v.disbursementDate || today.data?.businessDate })}
      >
        <Form.Item label={t('bankLoanRef')} name="bankLoanRef" rules={[{ required: true, message: t('required') }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t('householdId')} name="householdId" rules={[{ required: true, message: t('required') }, { pattern: /^[1-9]\d{0,17}$/ }]}>
          <Input inputMode="numeric" />
        </Form.Item>
        <Form.Item name="borrowerType" hidden>
          <Input />
        </Form.Item>
        <Form.Item label={t('productCode')} name="productCode" rules={[{ required: true }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t('amount')} name="amount" rules={[{ required: true, message: t('required') }, { pattern: YUAN_INPUT, message: '30000.00' }]}>
          <Input inputMode="decimal" placeholder="30000.00" />
        </Form.Item>
        <Form.Item label={t('termMonths')} name="termMonths" rules={[{ required: true }]}>
          <InputNumber min={1} max={360} precision={0} />
        </Form.Item>
        <Form.Item label={t('purpose')} name="purpose">
          <Select options={['PLANTING', 'BREEDING', 'PROCESSING', 'TRADE'].map((p) => ({ value: p, label: t(`purpose_${p}`) }))} />
        </Form.Item>
        <Form.Item label={t('disbursementDate')} name="disbursementDate" rules={[{ pattern: /^\d{4}-\d{2}-\d{2}$/, message: 'YYYY-MM-DD' }]}>
          <Input placeholder={today.data?.businessDate ?? 'YYYY-MM-DD'} />
        </Form.Item>
        {reg.error ? <ProblemAlert error={reg.error} /> : null}
        <Space style={{ marginTop: 12 }}>
          <Button type="primary" htmlType="submit" loading={reg.isPending}>
            {t('save')}
          </Button>
          <Button onClick={onClose}>{t('cancel')}</Button>
        </Space>
      </Form>
    </Drawer>
  );
}
