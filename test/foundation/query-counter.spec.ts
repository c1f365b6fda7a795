import {
  countQueries,
  queriesSent,
  queryRows,
  RequestContext,
  roundTripsTaken,
  SYSTEM_ACTOR,
  together,
  transaction,
} from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/**
 * DB_QUERY_COUNT: the statements a request sends and the round trips they take (a statement handed to a connection
 * with none of its statements unanswered starts one), as the benchmark prints them per request.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(4);
  countQueries();
});
afterAll(async () => db.drop());

/** What `work` sent inside a request context: statements and round trips. */
async function counted(work: () => Promise<unknown>): Promise<{ statements: number; trips: number }> {
  const [s0, t0] = [queriesSent(), roundTripsTaken()];
  await RequestContext.run({ requestId: 'count', actor: SYSTEM_ACTOR }, work);
  return { statements: queriesSent() - s0, trips: roundTripsTaken() - t0 };
}

it('counts a statement awaited before the next as a round trip each, and a pipelined batch as one', async () => {
  // one after the other: BEGIN, two statements, COMMIT
  expect(
    await counted(() =>
      db.dataSource.transaction(async (m) => {
        await queryRows(m, `SELECT 1`);
        await queryRows(m, `SELECT 2`);
      }),
    ),
  ).toEqual({ statements: 4, trips: 4 });
  // BEGIN with a batch of three, then COMMIT
  expect(
    await counted(() =>
      transaction(db.dataSource, (m) =>
        together(m, [
          () => queryRows(m, `SELECT 1`),
          () => queryRows(m, `SELECT 2`),
          () => queryRows(m, `SELECT 3`),
        ]),
      ),
    ),
  ).toEqual({ statements: 5, trips: 2 });
  // outside a request nothing is counted
  const [s0, t0] = [queriesSent(), roundTripsTaken()];
  await db.dataSource.query(`SELECT 1`);
  expect([queriesSent() - s0, roundTripsTaken() - t0]).toEqual([0, 0]);
});
