import { yuan } from '#libs/money';
import {
  admin1,
  application,
  footprint,
  harness,
  idNumberBorn,
  key,
  officer,
  refused,
  setToday,
  submitted,
  world,
  type Harness,
  type World,
} from './harness.js';

/**
 * Every eligibility rule of a mutual-aid application against the real database: an eligible application is
 * evaluated (passes), one fact is changed the way it happens in the field, and exactly that rule fails. Then an
 * application failing many rules at once is refused on submission with every failure, and nothing is written.
 */
let h: Harness;
const TODAY = '2026-06-01';

beforeAll(async () => {
  h = await harness(20, TODAY);
});
afterAll(async () => h.db.drop());
beforeEach(() => setToday(h, TODAY));
afterEach(async () => {
  expect((await h.ledger.verify()).ok).toBe(true);
});

const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);
const codesOf = async (loanId: string) => (await h.applications.checkEligibility(loanId)).errors.map((e) => e.code);

/** A fresh world with an eligible draft of its first household; asserts it passes before the test breaks it. */
async function eligibleDraft(opts: Parameters<typeof world>[1] = {}, over: Parameters<typeof application>[2] = {}) {
  const w = await world(h, opts);
  const loan = await officer(() => h.applications.create(application(w, 0, over)));
  expect(await codesOf(loan.id)).toEqual([]);
  return { w, loanId: loan.id };
}

/** Disburses a loan of household `i` of the world (the whole workflow), returning its id. */
async function disbursedLoan(w: World, i: number, amount = '1000') {
  const loan = await submitted(h, application(w, i, { amountFen: yuan(amount) }));
  await admin1(() => h.applications.approve(loan.id));
  setToday(h, '2026-06-05');
  await admin1(() => h.disbursements.disburse(loan.id, {}, key('d')));
  setToday(h, TODAY);
  return loan.id;
}

describe('each rule fails alone, and passes when its fact is right', () => {
  it('AMOUNT_BELOW_MIN and AMOUNT_ABOVE_MAX (product band), at the boundaries', async () => {
    const { loanId } = await eligibleDraft({}, { amountFen: yuan('100') });
    await officer(() => h.applications.update(loanId, { amountFen: yuan('99.99') }));
    expect(await codesOf(loanId)).toEqual(['AMOUNT_BELOW_MIN']);
    // Not a first loan any more, so only the band speaks: the fund's limit is 10,000 too.
    const w = await world(h, { rules: { maxLoanFen: yuan('20000'), firstLoanMaxFen: yuan('20000') } });
    const big = await officer(() => h.applications.create(application(w, 0, { amountFen: yuan('10000') })));
    expect(await codesOf(big.id)).toEqual(['FIRST_LOAN_ABOVE_MAX']);
    await officer(() => h.applications.update(big.id, { amountFen: yuan('10000.01') }));
    expect(await codesOf(big.id)).toEqual(['AMOUNT_ABOVE_MAX', 'FIRST_LOAN_ABOVE_MAX']);
  });

  it('FIRST_LOAN_ABOVE_MAX and FIRST_LOAN_LIMIT apply to a first loan only', async () => {
    const { w, loanId } = await eligibleDraft({}, { amountFen: yuan('5000') });
    await officer(() => h.applications.update(loanId, { amountFen: yuan('5000.01') }));
    expect(await codesOf(loanId)).toEqual(['FIRST_LOAN_ABOVE_MAX', 'FIRST_LOAN_LIMIT']);
    // After a first loan was paid out and closed, the household may borrow up to the general limit.
    const first = await disbursedLoan(w, 1);
    await q(`UPDATE loans SET status = 'CLOSED', outstanding_principal_fen = 0, closed_on = $2 WHERE id = $1`, [first, TODAY]);
    const second = await officer(() => h.applications.create(application(w, 1, { amountFen: yuan('8000') })));
    expect(await codesOf(second.id)).toEqual([]);
  });

  it("FUND_LOAN_LIMIT and FUND_TERM_LIMIT follow the fund's own rules", async () => {
    const { w, loanId } = await eligibleDraft({ rules: { maxLoanFen: yuan('3000'), firstLoanMaxFen: yuan('3000'), maxTermMonths: 6 } }, {
      amountFen: yuan('3000'),
      termMonths: 6,
    });
    await officer(() => h.applications.update(loanId, { amountFen: yuan('3000.01'), termMonths: 7 }));
    expect(await codesOf(loanId)).toEqual(['FUND_LOAN_LIMIT', 'FIRST_LOAN_LIMIT', 'FUND_TERM_LIMIT']);
    await admin1(() => h.funds.updateRules(w.fundId, { maxLoanFen: yuan('4000'), firstLoanMaxFen: yuan('4000'), maxTermMonths: 7 }));
    expect(await codesOf(loanId)).toEqual([]);
  });

  it('TERM_OUT_OF_RANGE (product: 1-12 months)', async () => {
    const { loanId } = await eligibleDraft({ rules: { maxTermMonths: 24 } });
    await officer(() => h.applications.update(loanId, { termMonths: 13 }));
    expect(await codesOf(loanId)).toEqual(['TERM_OUT_OF_RANGE']);
    await officer(() => h.applications.update(loanId, { termMonths: 12 }));
    expect(await codesOf(loanId)).toEqual([]);
  });

  it('PURPOSE_NOT_ALLOWED: mutual aid finances production only', async () => {
    const { loanId } = await eligibleDraft();
    await officer(() => h.applications.update(loanId, { purpose: 'MARRIAGE' }));
    expect(await codesOf(loanId)).toEqual(['PURPOSE_NOT_ALLOWED']);
    await officer(() => h.applications.update(loanId, { purpose: 'PLANTING' }));
    expect(await codesOf(loanId)).toEqual([]);
  });

  it("STATUS_NOT_ELIGIBLE: a product for poor and graduated households refuses a non-poor one", async () => {
    await admin1(() =>
      h.products.create({
        code: 'MA_POOR_ONLY',
        kind: 'MUTUAL_AID',
        name: 'mutual aid for poor and graduated households',
        minPrincipal: '100.00',
        maxPrincipal: '10000.00',
        minTermMonths: 1,
        maxTermMonths: 12,
        method: 'BULLET',
        frequency: 'AT_MATURITY',
        dayCount: 'PERIOD',
        rateSource: 'FIXED',
        fixedRatePercent: '6',
        allowedPurposes: ['BREEDING', 'PLANTING'],
        eligibleStatuses: ['POOR', 'GRADUATED'],
        minAge: 18,
        maxAge: 65,
        requiresGroup: true,
      }),
    );
    // household 0 is POOR (income 3,000), household 1 NON_POOR (8,000); both in the group
    const w = await world(h);
    const poor = await officer(() => h.applications.create(application(w, 0, { productId: 'MA_POOR_ONLY' })));
    expect(await codesOf(poor.id)).toEqual([]);
    const rich = await officer(() => h.applications.create(application(w, 1, { productId: 'MA_POOR_ONLY' })));
    expect(await h.applications.checkEligibility(rich.id)).toMatchObject({
      eligible: false,
      errors: [{ code: 'STATUS_NOT_ELIGIBLE', field: 'householdId' }],
    });
  });

  it('AGE_OUT_OF_RANGE: 18-65 on the application date', async () => {
    // born 2008-06-02: 17 on 2026-06-01, 18 the next day; born 1960-06-01: 66; born 1960-06-02: still 65
    const w = await world(h, { members: 5, groupSize: 5, birth: (i) => ['2008-06-02', '1960-06-01', '1960-06-02', '1980-01-01', '1981-01-01'][i] });
    const young = await officer(() => h.applications.create(application(w, 0)));
    expect(await h.applications.checkEligibility(young.id)).toMatchObject({ errors: [{ code: 'AGE_OUT_OF_RANGE', field: 'householdId' }] });
    const old = await officer(() => h.applications.create(application(w, 1)));
    expect(await codesOf(old.id)).toEqual(['AGE_OUT_OF_RANGE']);
    const sixtyFive = await officer(() => h.applications.create(application(w, 2)));
    expect(await codesOf(sixtyFive.id)).toEqual([]);
    // The age is read on the application date: a day later the 17-year-old's new application passes.
    await officer(() => h.applications.cancel(young.id, { reason: 'too young on the application date' }));
    setToday(h, '2026-06-02');
    const adult = await officer(() => h.applications.create(application(w, 0)));
    expect(await codesOf(adult.id)).toEqual([]);
  });

  it('NOT_FUND_MEMBER: only households holding a share borrow', async () => {
    const { w, loanId } = await eligibleDraft();
    const outsider = await h.households.create({
      villageId: w.villageId,
      headName: '非成员',
      idNumber: idNumberBorn('1982-02-02'),
      memberCount: 2,
      perCapitaIncomeFen: yuan('3000'),
      incomeYear: 2025,
    });
    await h.groups.addMember(w.groupId!, outsider.id);
    const l = await officer(() => h.applications.create(application(w, 0, { householdId: outsider.id })));
    expect(await codesOf(l.id)).toEqual(['NOT_FUND_MEMBER']);
    await h.contributions.contribute(w.fundId, { source: 'MEMBER', amountFen: yuan('200'), householdId: outsider.id }, key('share'));
    expect(await codesOf(l.id)).toEqual([]);
    expect(await codesOf(loanId)).toEqual([]);
  });

  it('ACTIVE_LOAN_EXISTS: one active loan per household (a submitted one counts, a draft does not)', async () => {
    const { w, loanId } = await eligibleDraft();
    const other = await officer(() => h.applications.create(application(w, 0, { amountFen: yuan('2000') })));
    expect(await codesOf(other.id)).toEqual([]);
    await officer(() => h.applications.submit(loanId));
    expect(await codesOf(other.id)).toEqual(['ACTIVE_LOAN_EXISTS']);
    await officer(() => h.applications.cancel(loanId, { reason: 'the household chose the smaller loan' }));
    expect(await codesOf(other.id)).toEqual([]);
  });

  it('GROUP_REQUIRED: the fund (and the product) need a joint-liability group', async () => {
    const w = await world(h, { groupSize: 0 });
    const l = await officer(() => h.applications.create(application(w, 0)));
    expect(l.groupId).toBeNull();
    expect(await h.applications.checkEligibility(l.id)).toMatchObject({ errors: [{ code: 'GROUP_REQUIRED', field: 'groupId' }] });
    const g = await h.groups.create({ villageId: w.villageId, name: '新联保小组', householdIds: w.households.slice(0, 3) });
    await officer(() => h.applications.update(l.id, { groupId: g.id }));
    expect(await codesOf(l.id)).toEqual([]);
  });

  it('GROUP_INACTIVE and NOT_GROUP_MEMBER: a dissolved group backs no one', async () => {
    const { w, loanId } = await eligibleDraft();
    await h.groups.dissolve(w.groupId!, 'members moved away');
    expect(await codesOf(loanId)).toEqual(['GROUP_INACTIVE', 'NOT_GROUP_MEMBER']);
    const g = await h.groups.create({ villageId: w.villageId, name: '重组联保小组', householdIds: w.households.slice(0, 3) });
    await officer(() => h.applications.update(loanId, { groupId: g.id }));
    expect(await codesOf(loanId)).toEqual([]);
  });

  it('NOT_GROUP_MEMBER: the applicant must belong to the endorsing group', async () => {
    const { w, loanId } = await eligibleDraft({ members: 5, groupSize: 4 });
    // household 4 is outside the group; naming the group does not make it a member
    const l = await officer(() => h.applications.create(application(w, 4, { groupId: w.groupId })));
    expect(await codesOf(l.id)).toEqual(['NOT_GROUP_MEMBER']);
    await h.groups.addMember(w.groupId!, w.households[4]);
    expect(await codesOf(l.id)).toEqual([]);
    expect(await codesOf(loanId)).toEqual([]);
  });

  it("GROUP_OTHER_VILLAGE: the group must be of the fund's village", async () => {
    const { w, loanId } = await eligibleDraft();
    const neighbours = [];
    for (let i = 0; i < 3; i++) {
      neighbours.push(
        (
          await h.households.create({
            villageId: w.otherVillageId,
            headName: `邻户${i}`,
            idNumber: idNumberBorn('1983-03-03'),
            memberCount: 2,
            perCapitaIncomeFen: yuan('3000'),
            incomeYear: 2025,
          })
        ).id,
      );
    }
    const g = await h.groups.create({ villageId: w.otherVillageId, name: '邻村联保小组', householdIds: neighbours });
    await officer(() => h.applications.update(loanId, { groupId: g.id }));
    expect(await codesOf(loanId)).toEqual(['GROUP_OTHER_VILLAGE', 'NOT_GROUP_MEMBER']);
    await officer(() => h.applications.update(loanId, { groupId: w.groupId }));
    expect(await codesOf(loanId)).toEqual([]);
  });

  it("GROUP_SIZE: the group must fit the fund's size rule", async () => {
    const { w, loanId } = await eligibleDraft({ members: 4, groupSize: 3 });
    await admin1(() => h.funds.updateRules(w.fundId, { groupMinSize: 4 }));
    expect(await h.applications.checkEligibility(loanId)).toMatchObject({ errors: [{ code: 'GROUP_SIZE', field: 'groupId' }] });
    await h.groups.addMember(w.groupId!, w.households[3]);
    expect(await codesOf(loanId)).toEqual([]);
  });

  it('GROUP_MEMBER_OVERDUE: no one in a group gets a loan while a member is overdue', async () => {
    const { w, loanId } = await eligibleDraft();
    const running = await disbursedLoan(w, 2);
    expect(await codesOf(loanId)).toEqual([]);
    // what the close of business writes when the instalment falls due unpaid
    await q(`UPDATE loan_installments SET status = 'OVERDUE', overdue_since = '2026-05-01' WHERE loan_id = $1`, [running]);
    expect(await codesOf(loanId)).toEqual(['GROUP_MEMBER_OVERDUE']);
    await q(`UPDATE loan_installments SET status = 'OPEN', overdue_since = NULL WHERE loan_id = $1`, [running]);
    await q(`UPDATE loans SET days_overdue = 3 WHERE id = $1`, [running]);
    expect(await codesOf(loanId)).toEqual(['GROUP_MEMBER_OVERDUE']);
    await q(`UPDATE loans SET days_overdue = 0 WHERE id = $1`, [running]);
    expect(await codesOf(loanId)).toEqual([]);
  });

  it('GROUP_LIABILITY_OPEN: a co-obligor under an open group-liability call cannot borrow', async () => {
    const { w, loanId } = await eligibleDraft();
    const running = await disbursedLoan(w, 2);
    // what the close of business raises for a loan 30+ days overdue
    const [call] = await q(
      `INSERT INTO group_liability_calls (loan_id, group_id, raised_on, amount_due_fen) VALUES ($1, $2, '2026-05-30', 100000) RETURNING id`,
      [running, w.groupId],
    );
    await q(`INSERT INTO group_liability_call_members (call_id, household_id) VALUES ($1, $2)`, [call.id, w.households[0]]);
    expect(await codesOf(loanId)).toEqual(['GROUP_LIABILITY_OPEN']);
    await q(`UPDATE group_liability_calls SET status = 'CLEARED', cleared_on = $2 WHERE id = $1`, [call.id, TODAY]);
    expect(await codesOf(loanId)).toEqual([]);
  });

  it('FUND_NOT_ACTIVE: a suspended fund lends nothing new', async () => {
    const { w, loanId } = await eligibleDraft();
    await admin1(() => h.funds.updateStatus(w.fundId, 'SUSPENDED', 'annual audit'));
    expect(await codesOf(loanId)).toEqual(['FUND_NOT_ACTIVE']);
    await admin1(() => h.funds.updateStatus(w.fundId, 'ACTIVE', 'audit done'));
    expect(await codesOf(loanId)).toEqual([]);
  });

  it("HOUSEHOLD_NOT_OF_FUND_VILLAGE: a household registered since in another village borrows from that village's fund", async () => {
    const { w, loanId } = await eligibleDraft();
    // a registry correction written directly (the registry refuses a move while the household is bound)
    await q(`UPDATE households SET village_id = $2 WHERE id = $1`, [w.households[0], w.otherVillageId]);
    expect(await codesOf(loanId)).toEqual(['HOUSEHOLD_NOT_OF_FUND_VILLAGE']);
    await q(`UPDATE households SET village_id = $2 WHERE id = $1`, [w.households[0], w.villageId]);
    expect(await codesOf(loanId)).toEqual([]);
  });

  it('FUND_CAP_EXCEEDED and FUND_INSUFFICIENT_CASH from the fund position', async () => {
    // capital 5 × 500 + 2,000 = 4,500: cap 90 % = 4,050, cash 4,500
    const { w, loanId } = await eligibleDraft({ grantYuan: '2000' }, { amountFen: yuan('4050') });
    await officer(() => h.applications.update(loanId, { amountFen: yuan('4050.01') }));
    expect(await codesOf(loanId)).toEqual(['FUND_CAP_EXCEEDED']);
    await admin1(() => h.funds.updateRules(w.fundId, { lendingCapPercent: '100' }));
    expect(await codesOf(loanId)).toEqual([]);
    await officer(() => h.applications.update(loanId, { amountFen: yuan('4500.01') }));
    expect(await codesOf(loanId)).toEqual(['FUND_CAP_EXCEEDED', 'FUND_INSUFFICIENT_CASH']);
    await h.contributions.contribute(w.fundId, { source: 'DONATION', amountFen: yuan('1'), documentRef: 'gift' }, key('gift'));
    expect(await codesOf(loanId)).toEqual([]);
  });

  it('PRODUCT_INACTIVE: a deactivated product makes no new loans', async () => {
    await admin1(() =>
      h.products.create({
        code: 'MA_SEASONAL',
        kind: 'MUTUAL_AID',
        name: 'seasonal mutual aid',
        minPrincipal: '100.00',
        maxPrincipal: '10000.00',
        minTermMonths: 1,
        maxTermMonths: 12,
        method: 'BULLET',
        frequency: 'AT_MATURITY',
        dayCount: 'PERIOD',
        rateSource: 'FIXED',
        fixedRatePercent: '6',
        allowedPurposes: ['PLANTING', 'BREEDING'],
        eligibleStatuses: ['POOR', 'GRADUATED', 'NON_POOR'],
        minAge: 18,
        maxAge: 65,
        requiresGroup: true,
      }),
    );
    const { loanId } = await eligibleDraft({}, { productId: 'MA_SEASONAL' });
    await admin1(() => h.products.setActive('MA_SEASONAL', false, 'season over'));
    expect(await codesOf(loanId)).toEqual(['PRODUCT_INACTIVE']);
    await admin1(() => h.products.setActive('MA_SEASONAL', true, 'new season'));
    expect(await codesOf(loanId)).toEqual([]);
  });
});

describe('every failure at once', () => {
  it('refuses a submission failing many rules with all of them (422 LOAN_NOT_ELIGIBLE) and writes nothing', async () => {
    const w = await world(h, { grantYuan: '1000', members: 5, groupSize: 4 });
    await admin1(() => h.funds.updateRules(w.fundId, { maxTermMonths: 6 }));
    const l = await officer(() =>
      h.applications.create(application(w, 4, { amountFen: yuan('12000'), termMonths: 13, purpose: 'HOUSE_BUILDING', groupId: w.groupId })),
    );
    const before = await footprint(h, l.id);
    const err = await refused(officer(() => h.applications.submit(l.id)));
    expect(err.code).toBe('LOAN_NOT_ELIGIBLE');
    expect(err.errors.map((e) => [e.code, e.field])).toEqual([
      ['AMOUNT_ABOVE_MAX', 'amount'],
      ['FIRST_LOAN_ABOVE_MAX', 'amount'],
      ['TERM_OUT_OF_RANGE', 'termMonths'],
      ['PURPOSE_NOT_ALLOWED', 'purpose'],
      ['FUND_LOAN_LIMIT', 'amount'],
      ['FIRST_LOAN_LIMIT', 'amount'],
      ['FUND_TERM_LIMIT', 'termMonths'],
      ['NOT_GROUP_MEMBER', 'groupId'],
      ['FUND_CAP_EXCEEDED', 'amount'],
      ['FUND_INSUFFICIENT_CASH', 'amount'],
    ]);
    expect(err.errors.every((e) => e.message.length > 0)).toBe(true);
    expect(await footprint(h, l.id)).toEqual(before);
    expect(before.status).toBe('DRAFT');
  });

  it('evaluates again at approval: a rule broken after submission refuses the approval', async () => {
    const w = await world(h);
    const loan = await submitted(h, application(w, 0));
    await admin1(() => h.funds.updateStatus(w.fundId, 'SUSPENDED', 'audit'));
    const err = await refused(admin1(() => h.applications.approve(loan.id)));
    expect(err.code).toBe('LOAN_NOT_ELIGIBLE');
    expect(err.errors.map((e) => e.code)).toEqual(['FUND_NOT_ACTIVE']);
    expect((await h.origination.getLoan(null, loan.id)).status).toBe('GROUP_ENDORSED');
  });

  it('answers 422 LOAN_APPLICATION_INVALID naming each unknown or unfit reference, and writes nothing', async () => {
    const w = await world(h);
    const [{ n: before }] = await q(`SELECT count(*)::int AS n FROM loans`);
    const err = await refused(
      officer(() => h.applications.create(application(w, 0, { householdId: '987654321', productId: 'HH_MICRO_STD', groupId: '987654321' }))),
    );
    expect(err.code).toBe('LOAN_APPLICATION_INVALID');
    expect(err.errors.map((e) => [e.field, e.code])).toEqual([
      ['householdId', 'UNKNOWN_HOUSEHOLD'],
      ['productId', 'PRODUCT_NOT_MUTUAL_AID'],
      ['groupId', 'UNKNOWN_GROUP'],
    ]);
    const neighbour = await h.households.create({
      villageId: w.otherVillageId,
      headName: '邻户',
      idNumber: idNumberBorn('1984-04-04'),
      memberCount: 2,
      perCapitaIncomeFen: yuan('3000'),
      incomeYear: 2025,
    });
    const noFund = await refused(officer(() => h.applications.create(application(w, 0, { householdId: neighbour.id, productId: 'NO_SUCH' }))));
    expect(noFund.errors.map((e) => [e.field, e.code])).toEqual([
      ['productId', 'UNKNOWN_PRODUCT'],
      ['householdId', 'NO_FUND_FOR_VILLAGE'],
    ]);
    const [{ n: after }] = await q(`SELECT count(*)::int AS n FROM loans`);
    expect(after).toBe(before);
  });
});
