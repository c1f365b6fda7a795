import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UsersService } from '#libs/auth';
import { AppConfig, callerKey, Clock, DomainError } from '#libs/common';
import { AgreementsService } from './agreements.service.js';
import { ApiKeysService, BanksService } from './banks.service.js';
import { movementKey } from './domain/fund-entries.js';
import { RiskFundsService } from './risk-funds.service.js';
import { seedReads } from './store/seed.store.js';

/** Demo partner bank and its officer (a made-up password, like every demo login). */
export const DEMO_BANK = { code: 'ZBRCB', name: '淄博农商银行 (Zibo Rural Commercial Bank, demo)' };
export const DEMO_BANK_OFFICER = {
  username: 'zbrcb.officer',
  password: 'zbrcb-officer-demo',
  displayName: 'Demo ZBRCB loan desk',
};
/** The registry seed's heavy-task demo district (淄川区); looked up by code, never created here. */
export const DEMO_RISK_FUND_DISTRICT_CODE = '370302';
const DEMO_KEY_LABEL = 'demo integration key';
/**
 * How long before the business date the demo risk fund received its money and its agreement came into force: the
 * first day of that month. Every demo covered loan is paid out later (within the last year), so the cover it takes
 * was there at every date since its disbursement. The same start as the mutual-aid fund's capital (funds seed).
 */
export const DEMO_RISK_FUND_MONTHS_AGO = 14;

/** The first day of the month `months` months before `today`. */
export function demoFundingDate(today: string, months = DEMO_RISK_FUND_MONTHS_AGO): string {
  const i = Number(today.slice(0, 4)) * 12 + Number(today.slice(5, 7)) - 1 - months;
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}-01`;
}

/** The case: heavy-task districts keep ≥ 5,000,000 yuan; the demo fund holds 5,500,000 from two sources. */
const DEMO_DEPOSITS = [
  { source: 'CITY' as const, amount: '3000000.00', key: 'seed-risk-fund-city-initial' },
  { source: 'DISTRICT' as const, amount: '2500000.00', key: 'seed-risk-fund-district-initial' },
];

/**
 * Demo guarantee set-up through the real services (validation, ledger, audit): a partner bank with a
 * BANK_OFFICER and an API key (printed once, when created), the demo district's risk fund with CITY and DISTRICT
 * deposits and a 10× / 80:20 agreement, both dated DEMO_RISK_FUND_MONTHS_AGO months back (the demo covered loans
 * come after). Idempotent: everything is looked up by its natural key first.
 */
export async function seedGuarantee(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource);
  const banks = app.get(BanksService);
  const keys = app.get(ApiKeysService);
  const users = app.get(UsersService);
  const funds = app.get(RiskFundsService);
  const agreements = app.get(AgreementsService);
  const today = app.get(Clock).today(app.get(AppConfig).BUSINESS_TIMEZONE);
  const fundedOn = demoFundingDate(today);
  const out: string[] = [];

  let bank = await banks.findByCode(DEMO_BANK.code);
  if (!bank) {
    try {
      bank = await banks.create(DEMO_BANK);
      out.push(`created bank ${bank.code} id ${bank.id}`);
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'BANK_CODE_TAKEN')) throw e;
      bank = (await banks.findByCode(DEMO_BANK.code))!;
    }
  } else out.push(`kept existing bank ${bank.code} id ${bank.id}`);

  const officer = await seedReads.userExists(ds, DEMO_BANK_OFFICER.username);
  if (!officer) {
    try {
      await users.create({ ...DEMO_BANK_OFFICER, role: 'BANK_OFFICER', bankId: bank.id });
      out.push(
        `created user ${DEMO_BANK_OFFICER.username} / ${DEMO_BANK_OFFICER.password} (BANK_OFFICER of ${bank.code})`,
      );
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'CONFLICT')) throw e;
    }
  } else out.push(`kept existing user ${DEMO_BANK_OFFICER.username} (BANK_OFFICER of ${bank.code})`);

  const hasKey = await seedReads.hasActiveKey(ds, bank.id, DEMO_KEY_LABEL);
  if (!hasKey) {
    const key = await keys.create(bank.id, { label: DEMO_KEY_LABEL });
    out.push(`API key for ${bank.code} (shown once, store it now): ${key.key}`);
  } else out.push(`kept the existing API key of ${bank.code} (its secret was printed when it was created)`);

  const district = await seedReads.district(ds, DEMO_RISK_FUND_DISTRICT_CODE);
  if (!district) {
    out.push(
      `no district ${DEMO_RISK_FUND_DISTRICT_CODE} in the registry: no risk fund or agreement created (seed the registry first)`,
    );
    return out;
  }

  let fundId = await seedReads.fundOfDistrict(ds, district.id);
  if (!fundId) {
    try {
      fundId = (await funds.create({ districtId: district.id })).id;
      out.push(
        `created risk fund ${fundId} for ${district.code} ${district.name}${district.heavy_task ? ' (heavy task: minimum 5000000.00)' : ''}`,
      );
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'RISK_FUND_DISTRICT_HAS_FUND')) throw e;
      fundId = (await seedReads.fundOfDistrict(ds, district.id))!;
    }
  } else out.push(`kept existing risk fund ${fundId} for ${district.code}`);

  for (const d of DEMO_DEPOSITS) {
    // Looked up first so a later run (another day, hence another date in the body) never collides with the key.
    // (a database seeded before keys were per caller holds the key without the caller)
    const done =
      (await seedReads.movementExists(ds, movementKey(fundId, 'deposit', callerKey(d.key)))) ||
      (await seedReads.movementExists(ds, movementKey(fundId, 'deposit', d.key)));
    if (done) continue;
    await funds.deposit(
      fundId,
      { source: d.source, amount: d.amount, receivedOn: fundedOn, documentRef: 'demo' },
      d.key,
    );
    out.push(`deposited ${d.amount} from ${d.source} on ${fundedOn}`);
  }

  const agreementId = await seedReads.agreementOf(ds, fundId, bank.id);
  if (!agreementId) {
    const year = Number(today.slice(0, 4));
    const created = await agreements.create({
      agreementNo: `${bank.code}-${district.code}-DEMO`,
      riskFundId: fundId,
      bankId: bank.id,
      leverageMultiple: '10',
      fundSharePercent: '80',
      bankSharePercent: '20',
      compensationMode: 'ADVANCE',
      triggerDays: 90,
      validFrom: fundedOn,
      validTo: `${year + 2}-12-31`,
    });
    out.push(
      `created agreement ${created.agreementNo}: multiple 10, loss share 80:20, ADVANCE at 90 days, in force from ${fundedOn}`,
    );
  } else out.push(`kept existing agreement ${agreementId}`);

  const fund = await funds.get(fundId);
  out.push(
    `risk fund balance ${fund.balance}, cover available ${fund.coverAvailable} (capacity at 10×: ${fund.coverAvailable} × 10)`,
  );
  return out;
}
