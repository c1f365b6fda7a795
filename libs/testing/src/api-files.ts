import { apiCall } from './api-call.js';

/**
 * Files through the generated client (`t.api(role)`), for uploads and downloads:
 *
 *   // a CSV or XLSX sent as the request body, with its content type
 *   await t.api('ADMIN').POST('/api/v1/households/import', { ...fileBody(csv, 'text/csv') });
 * *   // a download, read whole: `body` is a Buffer, `text` the same bytes as UTF-8
 *   const file = await expectFile(t.api('AUDITOR').GET('/api/v1/…/export', { parseAs: 'arrayBuffer' }), 200);
 */

/**
 * Request options sending `content` unchanged as the body, labelled `contentType` (a file upload without multipart;
 * every import of the API takes its file this way), with any further headers (Accept-Language, say).
 */
export function fileBody(content: Uint8Array | string, contentType: string, headers: Record<string, string> = {}) {
  return {
    body: content as never,
    bodySerializer: (b: unknown) => b,
    headers: { 'Content-Type': contentType, ...headers },
  };
}

/**
 * Awaits a download made with `parseAs: 'arrayBuffer'` and asserts its status; a success comes back with `body` as a
 * Buffer and `text` as its UTF-8 reading, a refusal with the parsed problem as `body`.
 */
export async function expectFile<R extends { response: Response; data?: unknown; error?: unknown }>(
  call: Promise<R>,
  status = 200,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the problem of a refusal is untyped here
): Promise<R & { status: number; headers: Record<string, string>; body: any; text: string }> {
  const res = await fileCall(call);
  if (res.status !== status)
    throw new Error(`expected ${status}, got ${res.status} for ${res.response.url}: ${res.text.slice(0, 500)}`);
  return res;
}

/** Like expectFile, without asserting the status (a test that reads `status` itself). */
export async function fileCall<R extends { response: Response; data?: unknown; error?: unknown }>(
  call: Promise<R>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the problem of a refusal is untyped here
): Promise<R & { status: number; headers: Record<string, string>; body: any; text: string }> {
  const res = await apiCall(call);
  if (res.data !== undefined && !(res.data instanceof ArrayBuffer))
    throw new Error(`${res.response.url}: a download needs { parseAs: 'arrayBuffer' } on the call`);
  const file = res.data instanceof ArrayBuffer ? Buffer.from(res.data) : undefined;
  const text = file ? file.toString('utf8') : typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
  return Object.assign(res, { body: file ?? res.body, text });
}
