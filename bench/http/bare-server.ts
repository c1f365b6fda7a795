import http from 'node:http';
import pg from 'pg';

/**
 * The loan read's baseline: node:http and `pg`, no framework. GET /loans/:id runs the statements the API's
 * `GET /api/v1/loans/{id}` sends (the caller's user row, the loan joined with its borrower, product, village and fund,
 * its instalments, its events) one after the other, and answers the rows as JSON. No token check, validation,
 * logging or view mapping: what is left is the database's and HTTP's own cost.
 * Environment: DATABASE_URL, PORT, POOL (default 20), USER_ID (whose row is read, default 1).
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL ?? 20) });
const userId = process.env.USER_ID ?? '1';

const LOAN = `
  SELECT l.*, h.head_name, h.id_number, h.phone, h.status AS household_status, e.name AS entity_name,
         p.code AS product_code, pv.version AS product_version, v.name AS village_name,
         f.second_approval_threshold_fen, f.public_notice_days
    FROM loans l
    JOIN product_versions pv ON pv.id = l.product_version_id
    JOIN products p ON p.id = pv.product_id
    LEFT JOIN households h ON h.id = l.household_id
    LEFT JOIN operating_entities e ON e.id = l.entity_id
    LEFT JOIN villages v ON v.id = l.village_id
    LEFT JOIN mutual_aid_funds f ON f.id = l.fund_id WHERE l.id = $1`;

const server = http.createServer((req, res) => {
  const m = /^\/loans\/(\d{1,18})$/.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  (async () => {
    await pool.query(
      'SELECT id::text, username, role, bank_id::text, active, token_version FROM users WHERE id = $1',
      [userId],
    );
    const loan = await pool.query(LOAN, [m[1]]);
    if (!loan.rows.length) return res.writeHead(404).end();
    const installments = await pool.query(
      'SELECT * FROM loan_installments WHERE loan_id = $1 ORDER BY number',
      [m[1]],
    );
    const events = await pool.query('SELECT * FROM loan_events WHERE loan_id = $1 ORDER BY id', [m[1]]);
    const body = JSON.stringify({ ...loan.rows[0], installments: installments.rows, events: events.rows });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  })().catch((e: Error) => res.writeHead(500).end(e.message));
});
server.listen(Number(process.env.PORT ?? 3109), '127.0.0.1', () => console.log('bare server listening'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
