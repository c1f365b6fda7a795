import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { REMINDER_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '#libs/reminders';

export interface Received {
  id: string | undefined;
  rawBody: string;
  body: any;
  headers: IncomingMessage['headers'];
  /** The receiver's own check of the signature with the endpoint secret it was given. */
  verified: boolean;
  verifyReason?: string;
  /** The status this receiver answered. */
  status: number;
  at: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 (ephemeral port, kept across stop/start so "down for a while" means connection
 * refused at the same address). It verifies each request's signature as a bank's system would, answers with whatever
 * `respond` says, and records everything.
 */
export class Receiver {
  readonly received: Received[] = [];
  secret: string | null = null;
  /** Decides the status of each request; default 200. */
  respond: (req: Received) => number | Promise<number> = () => 200;
  /** Milliseconds to wait before answering (a slow receiver). */
  delayMs = 0;
  port = 0;
  private server: Server | null = null;
  private sockets = new Set<Socket>();

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Requests answered 2xx, per reminder id. */
  acceptedIds(): string[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.id!);
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** Down: the port refuses connections until start() again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const header = (name: string) =>
      typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined;
    const check = this.secret
      ? verifySignature({
          secret: this.secret,
          rawBody,
          timestamp: header(TIMESTAMP_HEADER),
          signature: header(SIGNATURE_HEADER),
          nowSeconds: Math.floor(Date.now() / 1000),
        })
      : ({ ok: false, reason: 'NO_SECRET' } as const);
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = null;
    }
    const rec: Received = {
      id: header(REMINDER_ID_HEADER),
      rawBody,
      body,
      headers: req.headers,
      verified: check.ok,
      verifyReason: check.ok ? undefined : check.reason,
      status: 0,
      at: Date.now(),
    };
    // A receiver refuses what it cannot verify, as a bank's endpoint must.
    rec.status = check.ok ? await this.respond(rec) : 401;
    this.received.push(rec);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    res.writeHead(rec.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(rec.status < 300 ? { messageId: `gw-${rec.id}` } : { error: 'no' }));
  }
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
