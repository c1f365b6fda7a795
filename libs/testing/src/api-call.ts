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

/**
 * The options of a client call that uploads a file: a FormData (sent as multipart with its boundary) or the file's
 * bytes as the whole request body under `contentType` (an XLSX, a CSV in any encoding), with extra headers if any:
 *
 *   await expectStatus(t.api(role).POST('/api/v1/households/import', { ...uploadForm(xlsx, XLSX_TYPE) }), 200);
 *
 * The body goes out as it is (no JSON serialisation); the generated type of the body is a string, hence the cast.
 */
export function uploadForm(
  content: FormData | Uint8Array | string,
  contentType?: string,
  headers: Record<string, string> = {},
): { body: never; bodySerializer: (body: unknown) => FormData | Uint8Array | string; headers: Record<string, string> } {
  return {
    body: content as never,
    bodySerializer: (body) => body as FormData | Uint8Array | string,
    headers: content instanceof FormData || !contentType ? headers : { 'Content-Type': contentType, ...headers },
  };
}

/**
 * Awaits a client call made with `parseAs: 'arrayBuffer'` (a file download), asserts its status and hands back the
 * bytes as a Buffer in `body` (a refusal's problem stays parsed as JSON):
 *
 *   const xlsx = await download(t.api(role).GET('/api/v1/import-templates/{kind}', { params, parseAs: 'arrayBuffer' }));
 */
export async function download<R extends { response: Response; data?: unknown; error?: unknown }>(
  call: Promise<R>,
  status = 200,
): Promise<R & { status: number; headers: Record<string, string>; body: Buffer }> {
  const res = await expectStatus(call, status);
  if (res.data instanceof ArrayBuffer) res.body = Buffer.from(res.data);
  return res;
}
