import {
  ALLOWLIST_PATH,
  checkOwnership,
  formatViolations,
  ownerMap,
  scanFile,
} from '../../scripts/check-ownership.js';

/**
 * Only a table's owner writes it, and only from its store; SQL and casts of query results stay in stores. Known
 * violations of libraries not yet converted are listed, with a reason, in tools/ownership-allowlist.json.
 */
const root = process.cwd();

describe('ownership check', () => {
  it('finds no violation outside the allowlist', () => {
    const report = checkOwnership(root);
    console.log(
      `${ALLOWLIST_PATH}: ${report.allowlist.length} files, ${report.allowed.length} known violations` +
        (report.stale.length ? `; entries with nothing left to allow: ${report.stale.join(', ')}` : ''),
    );
    expect(formatViolations(report.violations)).toBe('');
  });

  describe('rules', () => {
    const owners = ownerMap(root);
    const kinds = (file: string, src: string) =>
      scanFile(file, src, owners).map((v) => `${v.kind} ${v.line}`);

    it('flags writes of another library’s table, and the owner’s writes outside its store', () => {
      const src = [
        'await m.query(`INSERT INTO loan_events (loan_id) VALUES ($1) ON CONFLICT DO NOTHING`, [id]);',
        'await m.query(`UPDATE loans SET status = $2 WHERE id = $1`, [id, s]);',
        'await m.query(`DELETE FROM loan_installments WHERE loan_id = $1`, [id]);',
        'await m.query(`COPY recon_lines (run_id) FROM STDIN`);',
        'await m.query(`TRUNCATE portfolio_snapshots, cob_runs`);',
      ].join('\n');
      const found = scanFile('libs/guarantee/src/store/covered.store.ts', src, owners);
      expect(found.map((v) => v.detail.split(':')[0])).toEqual([
        'INSERT INTO loan_events',
        'UPDATE loans',
        'DELETE FROM loan_installments',
        'COPY recon_lines',
        'TRUNCATE portfolio_snapshots',
        'TRUNCATE cob_runs',
      ]);
      expect(
        scanFile('libs/loans/src/store/loans.store.ts', src.split('\n').slice(0, 3).join('\n'), owners),
      ).toEqual([]);
      expect(kinds('libs/loans/src/loans.service.ts', 'x.query(`UPDATE loans SET a = 1`);')).toEqual([
        'query 1',
        'write 1',
      ]);
    });

    it('ignores row locks, upserts of the owner, comments and unknown tables', () => {
      const src = [
        '// UPDATE loans SET nothing: a comment',
        '/* DELETE FROM loans */',
        'await m.query(`SELECT 1 FROM loans WHERE id = $1 FOR UPDATE`, [id]);',
        'await m.query(`SELECT 1 FROM loans FOR NO KEY UPDATE`);',
        'await m.query(`INSERT INTO loans (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 1`);',
        'await m.query(`UPDATE recon_stage SET a = 1`);',
      ].join('\n');
      expect(scanFile('libs/loans/src/store/loans.store.ts', src, owners)).toEqual([]);
    });

    it('flags queries and casts of query results outside stores, not elsewhere', () => {
      const src = [
        'const rows = (await this.dataSource.query(`SELECT 1`)) as LoanRow[];',
        'const one = await queryOne<LoanRow>(m, `SELECT 1`);',
        'const list = await queryRows<{ id: string }>(m, `SELECT 1`);',
        "const names = ['a'] as readonly string[];",
        'const xs = (input as Item[]).slice();',
      ].join('\n');
      expect(kinds('libs/funds/src/funds.service.ts', src)).toEqual([
        'cast 1',
        'query 1',
        'query 2',
        'query 3',
      ]);
      expect(kinds('libs/funds/src/store/funds.store.ts', src)).toEqual([]);
      expect(kinds('apps/api/src/ops/metrics.ts', src)).toHaveLength(4);
    });
  });
});
