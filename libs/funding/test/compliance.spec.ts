import { ContributionsService, FundsService } from '#libs/funds';
import { complianceCsv } from '#libs/funding';
import * as fx from '../../../test/subsidy/fixtures.js';
import { as, key, refused, subsidyHarness, type SubsidyHarness } from '../../subsidy/test/helpers.js';

let h: SubsidyHarness;
let fundContributions: ContributionsService;
let funds: FundsService;
const Y = (yuan: number) => BigInt(yuan) * 100n;

beforeAll(async () => {
  h = await subsidyHarness(20, '2026-06-01');
  funds = new FundsService(h.db.dataSource, h.ledger, h.audit);
  fundContributions = new ContributionsService(h.db.dataSource, funds, h.ledger, h.audit, h.clock);
});
afterAll(async () => h.db.drop());
afterEach(async () => expect((await h.ledger.verify()).ok).toBe(true));

describe('funding sources and matching compliance', () => {
  let d1: fx.Geography;
  let d2: fx.Geography;
  let d3: fx.Geography;

  beforeAll(async () => {
    const ds = h.db.dataSource;
    [d1, d2, d3] = [await fx.geography(ds), await fx.geography(ds), await fx.geography(ds)];
    await as('admin', async () => {
      const city = await h.programmes.create({
        code: 'CITYWIDE',
        name: 'City programme',
        settlementMode: 'PAY_BANK',
      });
      const p1 = await h.programmes.create({
        code: 'D1-PROG',
        name: 'District 1 programme',
        settlementMode: 'REIMBURSE_BORROWER',
        districtId: d1.districtId,
      });
      // city-wide money belongs to no district: it is not an allocation to one
      await h.programmes.contribute(
        city.id,
        { source: 'CITY', amountFen: Y(5_000_000), year: 2026, documentRef: '淄财农〔2026〕1号' },
        key(),
      );
      await h.programmes.contribute(
        p1.id,
        { source: 'CITY', amountFen: Y(1_000_000), year: 2026, documentRef: '淄财农〔2026〕2号' },
        key(),
      );
      await h.programmes.contribute(
        p1.id,
        { source: 'DISTRICT', amountFen: Y(1_500_000), year: 2026, documentRef: '张财〔2026〕7号' },
        key(),
      );
      await h.programmes.contribute(
        p1.id,
        {
          source: 'SOE',
          amountFen: Y(30_000),
          year: 2026,
          documentRef: 'doc-x',
          soeName: '淄博矿业集团',
          soeProfitBaseFen: Y(1_000_000),
        },
        key(),
      );
      // another year does not count
      await h.programmes.contribute(
        p1.id,
        {
          source: 'DISTRICT',
          amountFen: Y(9_000_000),
          year: 2025,
          documentRef: 'doc-x',
          receivedOn: '2026-01-05',
        },
        key(),
      );
      const maf = await funds.create({ villageId: d2.villageIds[0] });
      await fundContributions.contribute(
        maf.id,
        { source: 'CITY', amountFen: Y(200_000), year: 2026, documentRef: '淄财农〔2026〕3号' },
        key(),
      );
      await fundContributions.contribute(
        maf.id,
        { source: 'DISTRICT', amountFen: Y(500_000), year: 2026, documentRef: 'doc-x' },
        key(),
      );
      await fundContributions.contribute(
        maf.id,
        {
          source: 'SOE',
          amountFen: Y(5_000),
          year: 2026,
          documentRef: 'doc-x',
          soeName: '淄博矿业集团',
          soeProfitBaseFen: Y(1_000_000),
        },
        key(),
      );
      await fundContributions.contribute(
        maf.id,
        {
          source: 'SOE',
          amountFen: Y(10_000),
          year: 2026,
          documentRef: 'doc-x',
          soeName: '齐鲁石化',
          soeProfitBaseFen: Y(2_000_000),
        },
        key(),
      );
    });
  });

  it('reads every contribution with its source, year and document, filtered, with totals by source', async () => {
    const page = { page: 1, pageSize: 50 };
    const all = await h.funding.contributions({ year: 2026 }, page);
    expect(all).toMatchObject({
      total: 8,
      totalAmount: '8245000.00',
      bySource: { CITY: '6200000.00', DISTRICT: '2000000.00', SOE: '45000.00' },
    });
    const d2city = await h.funding.contributions({ districtId: d2.districtId, source: 'CITY' }, page);
    expect(d2city.items).toEqual([
      expect.objectContaining({
        targetType: 'MUTUAL_AID_FUND',
        source: 'CITY',
        amount: '200000.00',
        documentRef: '淄财农〔2026〕3号',
        year: 2026,
      }),
    ]);
    expect((await h.funding.contributions({ targetType: 'SUBSIDY_PROGRAMME', year: 2025 }, page)).total).toBe(
      1,
    );
    expect((await h.funding.contributions({ documentRef: '淄财农' }, page)).total).toBe(3);
    expect(
      (await h.funding.contributions({ soeName: '矿业' }, page)).items.map((c) => c.soeProfitBase),
    ).toEqual(['1000000.00', '1000000.00']);
    const paged = await h.funding.contributions({}, { page: 2, pageSize: 4 });
    expect(paged).toMatchObject({ total: 9, page: 2 });
    expect(paged.items).toHaveLength(4);
  });

  it('reports per district the city allocation, the match, the ratio and the shortfall (default ratio 2.0)', async () => {
    const r = await h.funding.compliance(2026);
    expect(r.rule).toMatchObject({ ratio: '2', soeProfitPercent: '3', isDefault: true });
    const row = (id: string) => r.districts.find((d) => d.districtId === id)!;
    expect(row(d1.districtId)).toMatchObject({
      cityAllocation: '1000000.00',
      districtMatch: '1500000.00',
      requiredRatio: '2',
      actualRatio: '1.5000',
      requiredMatch: '2000000.00',
      shortfall: '500000.00',
      compliant: false,
      soeContributions: '30000.00',
    });
    expect(row(d2.districtId)).toMatchObject({
      cityAllocation: '200000.00',
      districtMatch: '500000.00',
      actualRatio: '2.5000',
      shortfall: '0.00',
      compliant: true,
      soeContributions: '15000.00',
    });
    expect(row(d3.districtId)).toMatchObject({
      cityAllocation: '0.00',
      districtMatch: '0.00',
      actualRatio: null,
      compliant: true,
    });
    expect(r.totals).toMatchObject({
      cityAllocation: '1200000.00',
      districtMatch: '2000000.00',
      requiredMatch: '2400000.00',
      shortfall: '500000.00',
      compliantDistricts: 2,
      districts: 3,
    });
    expect(r.soe).toEqual([
      {
        name: '淄博矿业集团',
        profitBase: '1000000.00',
        expected: '30000.00',
        actual: '35000.00',
        shortfall: '0.00',
        compliant: true,
      },
      {
        name: '齐鲁石化',
        profitBase: '2000000.00',
        expected: '60000.00',
        actual: '10000.00',
        shortfall: '50000.00',
        compliant: false,
      },
    ]);
    const one = await h.funding.compliance(2026, d2.districtId);
    expect(one.districts.map((d) => d.districtId)).toEqual([d2.districtId]);
    expect(one.soe.map((s) => [s.name, s.actual])).toEqual([
      ['淄博矿业集团', '5000.00'],
      ['齐鲁石化', '10000.00'],
    ]);
  });

  it('applies the ratio configured for the year, validates it, and audits the change', async () => {
    const bad = await refused(
      as('admin', () => h.funding.setRule(2026, { ratio: '-1', soeProfitPercent: 'x' })),
    );
    expect(bad).toMatchObject({ code: 'FUNDING_MATCHING_RULE_INVALID' });
    expect(bad.errors.map((e) => e.field)).toEqual(['ratio', 'soeProfitPercent']);
    const rule = await as('admin', () =>
      h.funding.setRule(2026, { ratio: '1.5', documentRef: '淄政办〔2026〕5号' }),
    );
    expect(rule).toMatchObject({
      year: 2026,
      ratio: '1.5',
      soeProfitPercent: '3',
      isDefault: false,
      updatedBy: 'admin',
    });
    const r = await h.funding.compliance(2026);
    expect(r.districts.find((d) => d.districtId === d1.districtId)).toMatchObject({
      requiredMatch: '1500000.00',
      shortfall: '0.00',
      compliant: true,
    });
    expect((await h.funding.compliance(2025)).rule.isDefault).toBe(true);
    const [audit] = await h.db.dataSource.query(
      `SELECT before->>'ratio' AS b, after->>'ratio' AS a FROM audit_log WHERE action = 'FUNDING_MATCHING_RULE_SET'`,
    );
    expect(audit).toEqual({ b: '2', a: '1.5' });
    expect((await h.funding.rules({ page: 1, pageSize: 10 })).items.map((x) => x.year)).toEqual([2026]);

    const csv = complianceCsv(r)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split('\r\n');
    expect(csv[0]).toBe('2026 年度财政配套资金合规情况');
    expect(csv).toContain(
      '年度,区县代码,区县,市级拨付,区县配套,要求比例,实际比例,应配套,缺口,是否达标,国企出资',
    );
    expect(csv).toContain(
      `2026,${r.districts[0].districtCode},${r.districts[0].districtName},${r.districts[0].cityAllocation},${r.districts[0].districtMatch},1.5,${r.districts[0].actualRatio ?? ''},${r.districts[0].requiredMatch},${r.districts[0].shortfall},${r.districts[0].compliant ? '是' : '否'},${r.districts[0].soeContributions}`,
    );
    expect(csv.some((l) => l.startsWith('2026,齐鲁石化,2000000.00,60000.00,10000.00,50000.00,否'))).toBe(true);
    const english = complianceCsv(r, 'en').toString('utf8');
    expect(english).toContain('Year,District code,District,City allocation');
    expect(english).toContain(',NO');
  });
});
