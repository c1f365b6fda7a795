import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Form, InputNumber, Space, Table } from 'antd';
import { api, unwrap, type components } from '../api/client.js';
import { formatDateTime } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { PageTitle } from './common.js';

type View = components['schemas']['BusinessDateResponse'];
type Day = components['schemas']['BusinessDayResponse'];
type Advance = components['schemas']['BusinessDateAdvanceResponse'];

/**
 * The business date for an administrator: where the deployment lets it move (sandbox, training, test) it advances by
 * days, each day running its close of business; in production it follows the calendar and only shows.
 */
export default function BusinessDate() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const view = useQuery({ queryKey: ['business-date', 'full'], queryFn: () => unwrap<View>(api.GET('/api/v1/business-date')) });
  const advance = useMutation({
    mutationFn: (days: number) => unwrap<Advance>(api.POST('/api/v1/business-date/advance', { body: { days } })),
    onSuccess: (r) => {
      void message.success(`${t('advanced')}: ${r.from} → ${r.to}`);
      // every figure may have moved with the date
      void qc.invalidateQueries();
    },
  });
  const v = view.data;
  return (
    <div>
      <PageTitle>{t('nav_businessDate')}</PageTitle>
      {view.error ? <ProblemAlert error={view.error} /> : null}
      {v ? (
        <Card size="small" style={{ marginBottom: 12 }}>
          <Descriptions size="small" column={3} bordered>
            <Descriptions.Item label={t('businessDate')}>
              <b data-testid="business-date-value">{v.businessDate}</b>
            </Descriptions.Item>
            <Descriptions.Item label={t('calendarDate')}>{v.calendarDate}</Descriptions.Item>
            <Descriptions.Item label="TZ">{v.timeZone}</Descriptions.Item>
          </Descriptions>
          {v.movable ? (
            <Form
              name="advance"
              layout="inline"
              style={{ marginTop: 12 }}
              initialValues={{ days: 1 }}
              onFinish={(f: { days: number }) => advance.mutate(f.days)}
            >
              <Form.Item label={t('advanceDays')} name="days" rules={[{ required: true, message: t('required') }]}>
                <InputNumber min={1} max={366} precision={0} />
              </Form.Item>
              <Space>
                <Button type="primary" htmlType="submit" loading={advance.isPending}>
                  {t('advance')}
                </Button>
              </Space>
            </Form>
          ) : (
            <Alert style={{ marginTop: 12 }} type="info" message={t('notMovable')} />
          )}
          {advance.error ? <ProblemAlert error={advance.error} /> : null}
        </Card>
      ) : null}
      <Card size="small" title={t('daysRun')}>
        <Table
          rowKey="businessDate"
          size="small"
          pagination={false}
          dataSource={v?.recentDays ?? []}
          columns={[
            { title: t('businessDate'), dataIndex: 'businessDate' },
            { title: t('status'), dataIndex: 'status' },
            { title: t('actor'), dataIndex: 'advancedBy' },
            { title: t('time'), dataIndex: 'finishedAt', render: (x: string | null) => formatDateTime(x) },
            { title: 'COB', key: 'cob', render: (_: unknown, d: Day) => (d.steps.COB ? '✓' : '') },
          ]}
        />
      </Card>
    </div>
  );
}
