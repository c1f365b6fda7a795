import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';

/**
 * Plain-SQL registry fixtures for the fund tests: districts, towns, villages and households, each unique per call
 * so tests never depend on each other's rows (and not on the households library's API).
 */
let seq = 0;
const unique = () => `${process.pid}${++seq}${randomBytes(2).toString('hex')}`;

export interface VillageFixture {
  districtId: string;
  townId: string;
  villageId: string;
  villageCode: string;
}

export async function createVillage(
  ds: DataSource,
  opts: { districtId?: string; name?: string } = {},
): Promise<VillageFixture> {
  const u = unique();
  let districtId = opts.districtId;
  if (!districtId) {
    const [d] = await ds.query(`INSERT INTO districts (code, name) VALUES ($1, $2) RETURNING id::text`, [
      `D${u}`,
      `District ${u}`,
    ]);
    districtId = d.id as string;
  }
  const [t] = await ds.query(
    `INSERT INTO towns (district_id, code, name) VALUES ($1, $2, $3) RETURNING id::text`,
    [districtId, `T${u}`, `Town ${u}`],
  );
  const [v] = await ds.query(
    `INSERT INTO villages (town_id, district_id, code, name) VALUES ($1, $2, $3, $4) RETURNING id::text`,
    [t.id, districtId, `V${u}`, opts.name ?? `Village ${u}`],
  );
  return { districtId, townId: t.id, villageId: v.id, villageCode: `V${u}` };
}

let idSeq = 0;
/** An 18-character resident ID number, unique within this process (the check digit is not validated here). */
function idNumber(): string {
  const n = (++idSeq + (process.pid % 1000) * 100000).toString().padStart(9, '0');
  return `370302${n}${randomBytes(2).readUInt16BE(0) % 1000}`.padEnd(18, '0').slice(0, 18);
}

export async function createHousehold(
  ds: DataSource,
  villageId: string,
  opts: { status?: 'POOR' | 'GRADUATED' | 'NON_POOR'; headName?: string } = {},
): Promise<{ id: string; idNumber: string }> {
  const status = opts.status ?? 'NON_POOR';
  const id = idNumber();
  const [h] = await ds.query(
    `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year,
                             status, graduated_year, derived_status)
     VALUES ($1, $2, $3, '1980-05-01', 3, $4, 2025, $5, $6, $5) RETURNING id::text`,
    [
      villageId,
      opts.headName ?? `Head ${id.slice(-4)}`,
      id,
      status === 'POOR' ? 200000 : 800000,
      status,
      status === 'GRADUATED' ? 2024 : null,
    ],
  );
  return { id: h.id, idNumber: id };
}

export async function createHouseholds(
  ds: DataSource,
  villageId: string,
  n: number,
  status: 'POOR' | 'NON_POOR' = 'NON_POOR',
) {
  const out: { id: string; idNumber: string }[] = [];
  for (let i = 0; i < n; i++) out.push(await createHousehold(ds, villageId, { status }));
  return out;
}

/** A disbursed mutual-aid loan row (origination's table) with principal outstanding, for the withdrawal rule. */
export async function createOutstandingLoan(
  ds: DataSource,
  fundId: string,
  householdId: string,
  principalFen: bigint,
): Promise<string> {
  const u = unique();
  const [p] = await ds.query(
    `INSERT INTO products (code, kind, name) VALUES ($1, 'MUTUAL_AID', 'test') RETURNING id`,
    [`P${u}`],
  );
  const [pv] = await ds.query(
    `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                   method, frequency, day_count, rate_source, fixed_rate_percent, created_by)
     VALUES ($1, 1, 'test', 100, 1000000, 1, 12, 'BULLET', 'AT_MATURITY', 'PERIOD', 'FIXED', 6, 'test') RETURNING id`,
    [p.id],
  );
  const [f] = await ds.query(
    `SELECT f.village_id, v.district_id FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id WHERE f.id = $1`,
    [fundId],
  );
  const [loan] = await ds.query(
    `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, fund_id, principal_fen,
                        term_months, purpose, method, frequency, day_count, rounding, status, outstanding_principal_fen, created_by)
     VALUES ($1, 'MUTUAL_AID', $2, 'HOUSEHOLD', $3, $4, $5, $6, $7, 12, 'livestock', 'BULLET', 'AT_MATURITY', 'PERIOD', 'HALF_UP',
             'DISBURSED', $7, 'test') RETURNING id::text`,
    [`L${u}`, pv.id, householdId, f.district_id, f.village_id, fundId, principalFen.toString()],
  );
  return loan.id;
}
