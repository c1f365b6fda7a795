import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { REMINDER_ID_HEADER, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../domain/signature.js';
import { DeliveryError } from './channel.js';

export interface SignedPostResult {
  status: number;
  body: string;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs a JSON body signed with the endpoint's secret (see domain/signature.ts). 2xx is success; 408, 429, 5xx and
 * network failures are retryable; any other status is a refusal that retrying cannot fix. Redirects are not followed:
 * a signed reminder goes to the configured address or nowhere.
 */
export function signedPost(input: {
  url: string;
  secret: string;
  body: string;
  reminderId: string;
  nowSeconds: number;
  timeoutMs: number;
}): Promise<SignedPostResult> {
  let target: URL;
  try {
    target = new URL(input.url);
  } catch {
    return Promise.reject(new DeliveryError(`endpoint URL is invalid`, false));
  }
  const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : null;
  if (!send)
    return Promise.reject(new DeliveryError(`endpoint URL scheme ${target.protocol} is not http(s)`, false));
  const body = Buffer.from(input.body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': body.length,
          'user-agent': 'mutual-aid-engine-reminders/1',
          [TIMESTAMP_HEADER]: String(input.nowSeconds),
          [SIGNATURE_HEADER]: sign(input.secret, input.nowSeconds, body),
          [REMINDER_ID_HEADER]: input.reminderId,
          'idempotency-key': `reminder-${input.reminderId}`,
        },
        timeout: input.timeoutMs,
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
        });
        res.on('error', (e) =>
          reject(new DeliveryError(`response from the endpoint broke off: ${e.message}`, true)),
        );
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) return resolve({ status, body: text });
          const retryable = status === 408 || status === 429 || status >= 500;
          reject(new DeliveryError(`endpoint answered HTTP ${status}`, retryable, status));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${input.timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e instanceof DeliveryError
          ? e
          : new DeliveryError(`endpoint unreachable: ${e.code ?? e.message}`, true),
      ),
    );
    req.end(body);
  });
}
