import { useQuery } from '@tanstack/react-query';
import { Button, Col, Divider, Form, Input, Row, Select, Space } from 'antd';
import { api, unwrap, type components } from '../api/client.js';
import { FormModal, useRules, useToast, useWrite } from '../lib/forms.js';
import { useI18n } from '../lib/i18n.js';

type Scenario = components['schemas']['ScenarioResponse'];
type Fund = components['schemas']['MutualAidFundResponse'];
type RiskFund = components['schemas']['RiskFundResponse'];

/** The product kinds a scenario's behaviour is given by (libs/projection PRODUCT_KINDS). */
const KINDS = ['MUTUAL_AID', 'HOUSEHOLD_MICROCREDIT', 'ENTITY_LOAN'] as const;
type Path = (string | number)[];
/** The knobs sent as JSON numbers (the API checks their ranges and names the field it refuses). */
const NUMBERS: Path[] = [
  ['horizonMonths'],
  ['runs'],
  ['seed'],
  ['newDemand', 'applicationsPerVillagePerMonth'],
  ['recoveries', 'percentOfCompensation'],
  ['recoveries', 'afterMonths'],
  ...KINDS.flatMap((k) => [
    ['behaviour', k, 'latePercent'],
    ['behaviour', k, 'defaultPercent'],
  ]),
];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const blank = (x: unknown) => x === undefined || x === null || (typeof x === 'string' && x.trim() === '');
/** A typed number as a JSON number; anything else as it was typed, for the API to refuse by its field. */
const num = (x: unknown) => (typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x.trim()) ? Number(x.trim()) : typeof x === 'string' ? x.trim() : x);

/** The form's values (the whole scenario, with the knobs as typed) → the scenario spec the API reads. */
export function toSpec(values: Obj): Obj {
  const spec = structuredClone(values);
  delete spec.name;
  delete spec.description;
  for (const path of NUMBERS) {
    const parent = path.slice(0, -1).reduce<unknown>((o, k) => (isObj(o) ? o[k as string] : undefined), spec);
    const key = path[path.length - 1] as string;
    if (!isObj(parent) || !(key in parent)) continue;
    if (blank(parent[key])) delete parent[key];
    else parent[key] = num(parent[key]);
  }
  if (isObj(spec.behaviour)) {
    for (const k of Object.keys(spec.behaviour)) if (isObj(spec.behaviour[k]) && !Object.keys(spec.behaviour[k]).length) delete spec.behaviour[k];
    if (!Object.keys(spec.behaviour).length) delete spec.behaviour;
  }
  if (isObj(spec.newDemand)) {
    const terms = spec.newDemand.termMonths;
    if (typeof terms === 'string') {
      if (blank(terms)) delete spec.newDemand.termMonths;
      else spec.newDemand.termMonths = terms.split(/[,，\s]+/).filter(Boolean).map(num);
    }
    if (!Object.keys(spec.newDemand).length) delete spec.newDemand;
  }
  if (isObj(spec.recoveries) && !Object.keys(spec.recoveries).length) delete spec.recoveries;
  if (Array.isArray(spec.policies))
    spec.policies = spec.policies.filter(isObj).map((p) => {
      const out: Obj = { ...p };
      if (typeof out.fromMonth === 'string') out.fromMonth = out.fromMonth.trim();
      if (blank(out.leverageMultiple)) delete out.leverageMultiple;
      else if (typeof out.leverageMultiple === 'string') out.leverageMultiple = out.leverageMultiple.trim();
      const topUps = Array.isArray(out.topUps) ? out.topUps.filter((t) => isObj(t) && !(blank(t.id) && blank(t.amount))) : [];
      if (topUps.length) out.topUps = topUps.map((t) => ({ ...(t as Obj), amount: String((t as Obj).amount ?? '').trim() }));
      else delete out.topUps;
      return out;
    });
  return spec;
}

/** A saved scenario as the form's values (terms as "6, 12"). */
function toValues(s: Scenario): Obj {
  const spec = structuredClone(s.spec) as Obj;
  const demand = spec.newDemand;
  if (isObj(demand) && Array.isArray(demand.termMonths)) demand.termMonths = demand.termMonths.join(', ');
  return { name: s.name, description: s.description ?? '', ...spec };
}

const NEW_SCENARIO: Obj = {
  horizonMonths: 12,
  runs: 200,
  seed: 1,
  behaviour: { MUTUAL_AID: { latePercent: 10, defaultPercent: 5 }, HOUSEHOLD_MICROCREDIT: { latePercent: 5, defaultPercent: 3 } },
  newDemand: { applicationsPerVillagePerMonth: 1, termMonths: '12' },
  policies: [],
};

/** 新建情景 / 新版本: the scenario's main knobs; the API checks them all at once and names every field it refuses. */
export function ScenarioForm({ scenario, onClose, onSaved }: { scenario?: Scenario; onClose: () => void; onSaved?: (s: Scenario) => void }) {
  const { t } = useI18n();
  const rules = useRules();
  const toast = useToast();
  const [form] = Form.useForm();
  const write = useWrite(
    form,
    (v: Obj, header) => {
      const body = { name: String(v.name ?? '').trim(), description: blank(v.description) ? null : String(v.description).trim(), spec: toSpec(v) };
      return scenario
        ? unwrap<Scenario>(api.PATCH('/api/v1/projection-scenarios/{id}', { params: { path: { id: scenario.id } }, headers: header, body: body as never }))
        : unwrap<Scenario>(api.POST('/api/v1/projection-scenarios', { headers: header, body: body as never }));
    },
    {
      invalidate: [['projection-scenarios']],
      // the scenario's rules are the API's: its own sentence (in the console's language) beside the field
      fieldText: (_code, message) => message,
      onSuccess: (s) => {
        toast(`${t('f_scenarioSaved')}: ${s.name} · v${s.version}`);
        onSaved?.(s);
        onClose();
      },
    },
  );
  const funds = useQuery({
    queryKey: ['mutual-aid-funds'],
    queryFn: () => unwrap<{ items: Fund[] }>(api.GET('/api/v1/mutual-aid-funds', { params: { query: { pageSize: 100 } } })),
  });
  const riskFunds = useQuery({
    queryKey: ['risk-funds'],
    queryFn: () => unwrap<{ items: RiskFund[] }>(api.GET('/api/v1/risk-funds', { params: { query: { pageSize: 100 } } })),
  });
  const targets = [
    ...(riskFunds.data?.items ?? []).map((r) => ({ value: `RISK_FUND:${r.id}`, label: `${t('scope_riskFund')} · ${r.districtName}` })),
    ...(funds.data?.items ?? []).map((f) => ({ value: `FUND:${f.id}`, label: `${t('scope_fund')} · ${f.name}` })),
  ];
  const small = { style: { marginBottom: 8 } };
  return (
    <FormModal
      open
      title={scenario ? `${t('f_newVersion')} · ${scenario.name} · v${scenario.version + 1}` : t('f_newScenario')}
      form={form}
      pending={write.isPending}
      error={write.error}
      onCancel={onClose}
      onSubmit={() => write.mutate(form.getFieldsValue(true) as Obj)}
      testId="scenario-form"
      name="scenario"
      initialValues={scenario ? toValues(scenario) : NEW_SCENARIO}
      width={820}
    >
      <Row gutter={12}>
        <Col span={12}>
          <Form.Item name="name" label={t('name')} rules={[rules.required]} {...small}>
            <Input maxLength={200} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="description" label={t('f_description')} {...small}>
            <Input maxLength={2000} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="horizonMonths" label={t('f_horizon')} {...small}>
            <Input inputMode="numeric" />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="runs" label={t('f_runs')} {...small}>
            <Input inputMode="numeric" />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="seed" label={t('f_seed')} {...small}>
            <Input inputMode="numeric" />
          </Form.Item>
        </Col>
      </Row>
      <Divider titlePlacement="start" style={{ margin: '4px 0 8px' }}>
        {t('f_behaviour')}
      </Divider>
      <Row gutter={12}>
        {KINDS.map((k) => (
          <Col span={8} key={k}>
            <Form.Item name={['behaviour', k, 'latePercent']} label={`${t(`pk_${k}`)} · ${t('f_latePercent')}`} {...small}>
              <Input inputMode="decimal" suffix="%" />
            </Form.Item>
            <Form.Item name={['behaviour', k, 'defaultPercent']} label={`${t(`pk_${k}`)} · ${t('f_defaultPercent')}`} {...small}>
              <Input inputMode="decimal" suffix="%" />
            </Form.Item>
          </Col>
        ))}
      </Row>
      <Divider titlePlacement="start" style={{ margin: '4px 0 8px' }}>
        {t('f_newDemand')}
      </Divider>
      <Row gutter={12}>
        <Col span={8}>
          <Form.Item name={['newDemand', 'applicationsPerVillagePerMonth']} label={t('f_applicationsPerVillage')} {...small}>
            <Input inputMode="decimal" />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name={['newDemand', 'termMonths']} label={t('f_demandTerms')} {...small}>
            <Input placeholder="6, 12" />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name={['recoveries', 'percentOfCompensation']} label={t('f_recoveryPercent')} {...small}>
            <Input inputMode="decimal" suffix="%" />
          </Form.Item>
        </Col>
      </Row>
      <Divider titlePlacement="start" style={{ margin: '4px 0 8px' }}>
        {t('f_policies')}
      </Divider>
      <Form.List name="policies">
        {(fields, { add, remove }) => (
          <>
            {fields.map((f) => (
              <div key={f.key} data-testid="scenario-policy" style={{ border: '1px solid #f0f0f0', borderRadius: 6, padding: '8px 8px 0', marginBottom: 8 }}>
                <Row gutter={12}>
                  <Col span={6}>
                    <Form.Item name={[f.name, 'fromMonth']} label={t('f_fromMonth')} {...small}>
                      <Input placeholder="YYYY-MM" />
                    </Form.Item>
                  </Col>
                  <Col span={6}>
                    <Form.Item name={[f.name, 'leverageMultiple']} label={t('f_leverageMultiple')} {...small}>
                      <Input inputMode="decimal" suffix="×" />
                    </Form.Item>
                  </Col>
                  <Col span={12}>
                    <Form.Item name={[f.name, 'topUps']} label={t('f_topUps')} {...small}>
                      <TopUps targets={targets} />
                    </Form.Item>
                  </Col>
                </Row>
                <Button size="small" type="link" danger onClick={() => remove(f.name)} style={{ padding: 0, marginBottom: 8 }}>
                  {t('f_removePolicy')}
                </Button>
              </div>
            ))}
            <Button size="small" onClick={() => add({ fromMonth: '', leverageMultiple: '', topUps: [] })}>
              {t('f_addPolicy')}
            </Button>
          </>
        )}
      </Form.List>
    </FormModal>
  );
}

interface TopUp {
  target: 'FUND' | 'RISK_FUND';
  id: string;
  amount: string;
}

/** A policy's top-ups from its month: which fund (a risk fund or a village fund) and how many yuan. */
function TopUps({ value, onChange, targets }: { value?: TopUp[]; onChange?: (v: TopUp[]) => void; targets: { value: string; label: string }[] }) {
  const { t } = useI18n();
  const rows = value ?? [];
  const set = (i: number, patch: Partial<TopUp>) => onChange?.(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Space direction="vertical" size={4} style={{ width: '100%' }}>
      {rows.map((r, i) => (
        <Space.Compact key={i} style={{ width: '100%' }}>
          <Select
            aria-label={t('f_topUpTarget')}
            style={{ width: '60%' }}
            value={r.id ? `${r.target}:${r.id}` : undefined}
            options={targets}
            onChange={(v: string) => {
              const [target, id] = v.split(':');
              set(i, { target: target as TopUp['target'], id });
            }}
          />
          <Input aria-label={t('f_amountYuan')} style={{ width: '30%' }} inputMode="decimal" value={r.amount} onChange={(e) => set(i, { amount: e.target.value })} />
          <Button aria-label={t('f_removePolicy')} onClick={() => onChange?.(rows.filter((_, j) => j !== i))}>
            −
          </Button>
        </Space.Compact>
      ))}
      <Button size="small" onClick={() => onChange?.([...rows, { target: 'RISK_FUND', id: '', amount: '' }])}>
        {t('f_addTopUp')}
      </Button>
    </Space>
  );
}
