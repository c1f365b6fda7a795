import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Empty, Form, Input, Progress, Select, Space, Table, Tag, type FormInstance } from 'antd';
import { useEffect, useState } from 'react';
import { api, unwrap, type components } from '../api/client.js';
import { formatDateTime, formatMoney, formatPercent } from '../lib/format.js';
import { compact, useRules, useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';
import { can, useSession } from '../lib/session.js';
import { PageTitle, StatusTag } from './common.js';
import { ScenarioForm } from './projection-forms.js';

type Scenario = components['schemas']['ScenarioResponse'];
type Projection = components['schemas']['ProjectionResponse'];
type Series = components['schemas']['SeriesResponse'];
type Event = components['schemas']['EventResponse'];

/** Mirrors the API's scenario limits (libs/projection: MAX_HORIZON_MONTHS, MAX_RUNS). */
const MAX_HORIZON_MONTHS = 120;
const MAX_RUNS = 1000;
const running = (p: Projection | undefined) => !!p && (p.status === 'QUEUED' || p.status === 'RUNNING');

/** A band figure in its series' unit: yuan as money, ratios as percent, counts and flags as they are. */
function figure(s: Series, v: string): string {
  if (s.unit === 'fen') return formatMoney(v);
  if (s.unit === 'decimal4') return s.figure.endsWith('Percent') ? formatPercent(v) : v;
  return v;
}

/** 压力测算: saved scenarios, a run started and followed to its P10/P50/P90 bands, events, fan chart and files. */
export default function Projections() {
  const { t } = useI18n();
  const { me } = useSession();
  const [chosen, setChosen] = useState<string | null>(null);
  // the scenario form: a new scenario ('new') or a new version of a saved one
  const [editing, setEditing] = useState<Scenario | 'new' | null>(null);
  const [runForm] = Form.useForm();
  const scenarios = useQuery({
    queryKey: ['projection-scenarios'],
    queryFn: () => unwrap<{ items: Scenario[] }>(api.GET('/api/v1/projection-scenarios', { params: { query: { pageSize: 100 } } })),
  });
  const runs = useQuery({
    queryKey: ['projections'],
    queryFn: () => unwrap<{ items: Projection[]; total: number }>(api.GET('/api/v1/projections', { params: { query: { pageSize: 20 } } })),
    refetchInterval: (q) => (q.state.data?.items.some(running) ? 2000 : false),
  });
  const names = new Map((scenarios.data?.items ?? []).map((s) => [s.id, s.name]));
  const id = chosen ?? runs.data?.items.find((p) => p.status === 'DONE')?.id ?? null;
  return (
    <div>
      <PageTitle>{t('nav_projections')}</PageTitle>
      <Card
        size="small"
        title={t('f_scenarios')}
        style={{ marginBottom: 12 }}
        extra={
          can(me, 'saveScenario') ? (
            <Button size="small" type="primary" onClick={() => setEditing('new')}>
              {t('f_newScenario')}
            </Button>
          ) : null
        }
      >
        {scenarios.error ? <ProblemAlert error={scenarios.error} /> : null}
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          loading={scenarios.isLoading}
          dataSource={scenarios.data?.items ?? []}
          columns={[
            { title: t('name'), dataIndex: 'name' },
            { title: 'v', dataIndex: 'version', align: 'right' },
            { title: t('f_horizon'), key: 'h', align: 'right', render: (_: unknown, r: Scenario) => String(r.spec.horizonMonths ?? '—') },
            { title: t('f_runs'), key: 'r', align: 'right', render: (_: unknown, r: Scenario) => String(r.spec.runs ?? '—') },
            { title: t('f_createdAt'), dataIndex: 'updatedAt', render: formatDateTime },
            ...(can(me, 'saveScenario')
              ? [
                  {
                    title: t('actions'),
                    key: 'a',
                    render: (_: unknown, r: Scenario) => (
                      <Button size="small" onClick={() => setEditing(r)}>
                        {t('f_newVersion')}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
        {can(me, 'runProjection') ? <NewRun form={runForm} scenarios={scenarios.data?.items ?? []} onStarted={setChosen} /> : null}
      </Card>
      {editing ? (
        <ScenarioForm
          scenario={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          // the saved scenario is the one the run form offers next
          onSaved={(s) => runForm.setFieldsValue({ scenarioId: s.id })}
        />
      ) : null}
      <Card size="small" title={t('f_projectionRuns')} style={{ marginBottom: 12 }}>
        {runs.error ? <ProblemAlert error={runs.error} /> : null}
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          loading={runs.isLoading}
          dataSource={runs.data?.items ?? []}
          rowClassName={(r) => (r.id === id ? 'ant-table-row-selected' : '')}
          columns={[
            { title: '#', dataIndex: 'id' },
            { title: t('f_scenario'), dataIndex: 'scenarioId', render: (v: string | null, r: Projection) => (v ? `${names.get(v) ?? v} · v${r.scenarioVersion}` : '—') },
            { title: t('f_asOf'), dataIndex: 'asOf' },
            { title: t('status'), dataIndex: 'status', render: (v: string) => <StatusTag value={v} prefix="st_" /> },
            {
              title: t('f_progress'),
              key: 'p',
              render: (_: unknown, r: Projection) => `${r.progress.runsDone} / ${r.progress.runsTotal}`,
            },
            { title: t('f_requestedBy'), dataIndex: 'requestedBy' },
            { title: t('f_createdAt'), dataIndex: 'createdAt', render: formatDateTime },
            {
              title: t('actions'),
              key: 'a',
              render: (_: unknown, r: Projection) => (
                <Button size="small" onClick={() => setChosen(r.id)}>
                  {t('f_view')}
                </Button>
              ),
            },
          ]}
        />
      </Card>
      {id ? <RunDetail key={id} id={id} /> : null}
    </div>
  );
}

/** 开始测算: a saved scenario as it is, or with its months and runs changed (sent as an inline scenario). */
function NewRun({ form, scenarios, onStarted }: { form: FormInstance; scenarios: Scenario[]; onStarted: (id: string) => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const write = useWrite(
    form,
    (v: Record<string, unknown>) => unwrap<Projection>(api.POST('/api/v1/projections', { body: v as never })),
    {
      invalidate: [['projections']],
      onSuccess: (r) => {
        toast(`${t('f_runStarted')}: #${r.id}`);
        onStarted(r.id);
      },
    },
  );
  const submit = (v: { scenarioId: string; horizonMonths?: string; runs?: string }) => {
    const s = scenarios.find((x) => x.id === v.scenarioId);
    const o = compact({ horizonMonths: v.horizonMonths, runs: v.runs });
    if (!s || (!o.horizonMonths && !o.runs)) return write.mutate({ scenarioId: v.scenarioId });
    const spec = { ...s.spec, ...(o.horizonMonths ? { horizonMonths: Number(o.horizonMonths) } : {}), ...(o.runs ? { runs: Number(o.runs) } : {}) };
    write.mutate({ spec });
  };
  const int = (max: number) => ({
    validator: (_: unknown, v: string | undefined) =>
      !v || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max) ? Promise.resolve() : Promise.reject(new Error(`1 – ${max}`)),
  });
  return (
    <Form form={form} layout="inline" onFinish={submit} data-testid="projection-form" style={{ marginTop: 12, rowGap: 8 }}>
      <Form.Item name="scenarioId" label={t('f_scenario')} rules={[rules.required]}>
        <Select style={{ minWidth: 280 }} options={scenarios.map((s) => ({ value: s.id, label: s.name }))} />
      </Form.Item>
      <Form.Item name="horizonMonths" label={t('f_horizon')} rules={[int(MAX_HORIZON_MONTHS)]}>
        <Input style={{ width: 80 }} inputMode="numeric" />
      </Form.Item>
      <Form.Item name="runs" label={t('f_runs')} rules={[int(MAX_RUNS)]}>
        <Input style={{ width: 80 }} inputMode="numeric" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={write.isPending}>
        {t('f_newRun')}
      </Button>
      <div style={{ width: '100%' }}>
        <ProblemAlert error={write.error} />
      </div>
    </Form>
  );
}

function seriesLabel(t: (k: string) => string, s: Series): string {
  const fig = t(`fig_${s.figure}`);
  return `${t(`scope_${s.scope}`)}${s.id ? ` #${s.id}` : ''} · ${fig.startsWith('fig_') ? s.figure : fig}`;
}

/** One run: polled while it works, then the chosen series' bands, the events, the fan chart and the files. */
function RunDetail({ id }: { id: string }) {
  const { t } = useI18n();
  const [metrics, setMetrics] = useState<string[] | null>(null);
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['projection', id],
    queryFn: () => unwrap<Projection>(api.GET('/api/v1/projections/{id}', { params: { path: { id } } })),
    refetchInterval: (query) => (running(query.state.data) ? 1000 : false),
  });
  const p = q.data;
  const status = p?.status;
  // the list follows the run's end at once rather than at its next poll
  useEffect(() => {
    if (status === 'DONE' || status === 'FAILED') void qc.invalidateQueries({ queryKey: ['projections'] });
  }, [status, qc]);
  if (q.error) return <ProblemAlert error={q.error} />;
  if (!p) return null;
  const done = p.progress.runsTotal ? Math.floor((100 * p.progress.runsDone) / p.progress.runsTotal) : 0;
  const result = p.result;
  const series = result?.series ?? [];
  const chosen = metrics ?? series.filter((s) => s.scope === 'total').slice(0, 2).map((s) => s.key);
  const picked = chosen.map((k) => series.find((s) => s.key === k)).filter((s): s is Series => !!s);
  const chartSeries = picked[0]?.key ?? series.find((s) => s.scope === 'riskFund')?.key;
  return (
    <Card
      size="small"
      data-testid="projection-detail"
      title={
        <Space>
          {t('f_result')} #{p.id} <StatusTag value={p.status} prefix="st_" /> {p.asOf}
        </Space>
      }
      extra={
        p.status === 'DONE' ? (
          <Space>
            <a href={`/api/v1/projections/${id}/export?format=csv`} download>
              {t('f_downloadCsv')}
            </a>
            <a href={`/api/v1/projections/${id}/export?format=xlsx`} download>
              {t('f_downloadXlsx')}
            </a>
          </Space>
        ) : null
      }
    >
      {running(p) ? (
        <div data-testid="projection-progress">
          {t('f_progress')}: {p.progress.runsDone} / {p.progress.runsTotal}
          <Progress percent={done} />
        </div>
      ) : null}
      {p.status === 'FAILED' ? <Tag color="red">{p.error ?? t('st_FAILED')}</Tag> : null}
      {result ? (
        <>
          <Space style={{ marginBottom: 8 }}>
            <span>{t('f_metrics')}:</span>
            <Select
              aria-label={t('f_metrics')}
              mode="multiple"
              style={{ minWidth: 420 }}
              value={chosen}
              onChange={setMetrics}
              maxTagCount={4}
              options={series.map((s) => ({ value: s.key, label: seriesLabel(t, s) }))}
            />
          </Space>
          <Table
            data-testid="projection-bands"
            rowKey="month"
            size="small"
            scroll={{ x: true }}
            pagination={false}
            dataSource={result.months.map((month, i) => ({ month, i }))}
            columns={[
              { title: t('f_month'), dataIndex: 'month', fixed: 'left' },
              ...picked.map((s) => ({
                title: seriesLabel(t, s),
                key: s.key,
                children: (['p10', 'p50', 'p90'] as const).map((b) => ({
                  title: b.toUpperCase(),
                  key: `${s.key}-${b}`,
                  align: 'right' as const,
                  render: (_: unknown, r: { i: number }) => (s.bands[r.i] ? figure(s, s.bands[r.i][b]) : '—'),
                })),
              })),
            ]}
          />
          <h3 style={{ marginTop: 16 }}>{t('f_events')}</h3>
          <Table
            data-testid="projection-events"
            rowKey="key"
            size="small"
            pagination={false}
            locale={{ emptyText: <Empty description={t('f_noEvents')} /> }}
            dataSource={result.events}
            columns={[
              { title: t('f_event'), dataIndex: 'event', render: (v: string) => t(`ev_${v}`) },
              { title: t('f_scope'), key: 's', render: (_: unknown, r: Event) => `${t(`scope_${r.scope}`)} #${r.id}` },
              { title: t('f_probability'), dataIndex: 'probabilityPercent', align: 'right', render: (v: string) => formatPercent(v) },
              {
                title: t('f_firstMonth'),
                key: 'm',
                render: (_: unknown, r: Event) => (r.firstMonth ? `${r.firstMonth.p10} / ${r.firstMonth.p50} / ${r.firstMonth.p90}` : '—'),
              },
            ]}
          />
          {chartSeries ? (
            <>
              <h3 style={{ marginTop: 16 }}>
                {t('f_chart')} · {seriesLabel(t, series.find((s) => s.key === chartSeries)!)}
              </h3>
              <img
                data-testid="projection-chart"
                src={`/api/v1/projections/${id}/chart.svg?series=${encodeURIComponent(chartSeries)}`}
                alt={`${t('f_chart')} ${chartSeries}`}
                style={{ maxWidth: '100%', border: '1px solid #eee' }}
              />
            </>
          ) : null}
        </>
      ) : null}
    </Card>
  );
}
