/**
 * For tests on the generated client (`t.api(role)`): awaits a call, asserts its HTTP status and hands back the
 * parsed body as `body` (the typed `data` on success, the problem on a refusal) and the headers as a plain object
 * with lower-case names, so a test reads like one on supertest:
 *
 *   const res = await expectStatus(t.api('ADMIN').GET('/api/v1/audit', { params: { query: { action: 'x' } } }), 200);
 *   expect(res.body.items).toHaveLength(1);
 *
 * `data` and `error` keep their generated types for tests that want them.
 */
export async function expectStatus<R extends { response: Response; data?: unknown; error?: unknown }>(
  call: Promise<R>,
  status: number,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped until every response has its schema
): Promise<R & { status: number; headers: Record<string, string>; body: any }> {
  const res = await apiCall(call);
  if (res.status !== status) {
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
    throw new Error(`expected ${status}, got ${res.status} for ${res.response.url}: ${text?.slice(0, 500)}`);
  }
  return res;
}

/** Like expectStatus, without asserting the status (a test that reads `status` itself). */
export async function apiCall<R extends { response: Response; data?: unknown; error?: unknown }>(
  call: Promise<R>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped until every response has its schema
): Promise<R & { status: number; headers: Record<string, string>; body: any }> {
  const res = await call;
  const headers = Object.fromEntries(res.response.headers.entries());
  return Object.assign(res, { status: res.response.status, headers, body: res.data ?? res.error });
}
