import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';

/**
 * The repayment's own SQL, replayed by pgbench: what this machine's PostgreSQL does with exactly the statements an API
 * repayment sends, with no API in the way. It is the most the HTTP cases could reach on this machine with the SQL they
 * send, and it sits beside pgbench TPC-B in the same run.
 *
 * 1. A WireRecorder stands between an API process and PostgreSQL and reads what the API writes (the frontend side of
 *    the protocol): each statement's text, its parameters, and the socket write it left in.
 * 2. Each recorded repayment becomes one pgbench script (replayScript): the same statements with their parameters
 *    written in, grouped into pipelines by the writes they left in, so the script takes the API's round trips. Only
 *    what must be unique is drawn afresh per run: the repayment's id, its journal entry's id, the idempotency key.
 * 3. pgbench runs the scripts (`-M prepared`, as the API prepares these statements) with the benchmark's clients.
 *
 * A script repeats its repayment with the parameters recorded: the loan's and instalments' new values are the same
 * every time, the ledger postings are applied again (balanced, so ledger verify still holds), and the loan gains one
 * posted repayment per run. The replayed loans' stored state then no longer follows from their repayments, so the
 * benchmark replays loans that no later case repays, after the HTTP cases.
 */

/** One statement as the API sent it: its text, its parameters (text format) and the socket write it left in. */
export interface WireStatement {
  sql: string;
  params: (string | null)[];
  /** the number of the client's socket write in which the statement's Execute (or Query) arrived */
  write: number;
}

const PROTOCOL_3 = 196608;

/**
 * Reads the frontend side of the PostgreSQL protocol from one connection's writes, chunk by chunk: Parse (remembers
 * the statement's text under its name), Bind (its parameters), Execute and simple Query (the statement is sent).
 */
export class FrontendParser {
  private buf: Buffer = Buffer.alloc(0);
  private started = false;
  private writes = 0;
  private readonly texts = new Map<string, string>();
  private bound: { sql: string; params: (string | null)[] } | undefined;

  push(chunk: Buffer): WireStatement[] {
    const write = ++this.writes;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const sent: WireStatement[] = [];
    for (;;) {
      if (!this.started) {
        // untyped: the startup message, or an SSL / GSS request before it
        if (this.buf.length < 8 || this.buf.length < this.buf.readInt32BE(0)) break;
        const len = this.buf.readInt32BE(0);
        if (this.buf.readInt32BE(4) === PROTOCOL_3) this.started = true;
        this.buf = this.buf.subarray(len);
        continue;
      }
      if (this.buf.length < 5 || this.buf.length < 1 + this.buf.readInt32BE(1)) break;
      const type = String.fromCharCode(this.buf[0]);
      const body = this.buf.subarray(5, 1 + this.buf.readInt32BE(1));
      this.buf = this.buf.subarray(1 + this.buf.readInt32BE(1));
      const r = new Reader(body);
      if (type === 'P') {
        const name = r.cstring();
        this.texts.set(name, r.cstring());
      } else if (type === 'B') {
        r.cstring(); // portal
        const name = r.cstring();
        const formats = Array.from({ length: r.int16() }, () => r.int16());
        const params = Array.from({ length: r.int16() }, (_, i) => {
          const len = r.int32();
          if (len < 0) return null;
          if ((formats.length === 1 ? formats[0] : (formats[i] ?? 0)) !== 0)
            throw new Error(`a binary parameter in ${this.texts.get(name)?.slice(0, 60)}`);
          return r.text(len);
        });
        const sql = this.texts.get(name);
        if (sql === undefined) throw new Error(`Bind of a statement never parsed: "${name}"`);
        this.bound = { sql, params };
      } else if (type === 'E') {
        if (!this.bound) throw new Error('Execute without Bind');
        sent.push({ ...this.bound, write });
      } else if (type === 'Q') {
        sent.push({ sql: r.cstring(), params: [], write });
      } else if (type === 'C' && r.text(1) === 'S') {
        this.texts.delete(r.cstring());
      }
    }
    return sent;
  }
}

class Reader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  cstring(): string {
    const end = this.b.indexOf(0, this.at);
    const s = this.b.toString('utf8', this.at, end);
    this.at = end + 1;
    return s;
  }
  int16(): number {
    return this.b.readInt16BE((this.at += 2) - 2);
  }
  int32(): number {
    return this.b.readInt32BE((this.at += 4) - 4);
  }
  text(len: number): string {
    return this.b.toString('utf8', this.at, (this.at += len));
  }
}

/** Splits one connection's statements into its committed transactions (START TRANSACTION or BEGIN to COMMIT). */
export function transactions(statements: WireStatement[]): WireStatement[][] {
  const txs: WireStatement[][] = [];
  let open: WireStatement[] | undefined;
  for (const s of statements) {
    const head = s.sql.trim().toUpperCase();
    if (head.startsWith('START TRANSACTION') || head === 'BEGIN') open = [s];
    else if (open) {
      open.push(s);
      if (head === 'COMMIT') txs.push(open);
      if (head === 'COMMIT' || head === 'ROLLBACK') open = undefined;
    }
  }
  return txs;
}

/**
 * A TCP proxy in front of PostgreSQL that records the statements of every connection made through it while
 * `recording` is on.
 */
export class WireRecorder {
  private recording = false;
  private readonly recorded: WireStatement[][] = [];
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;

  /** target: `{ host, port }`, or `{ path }` for a Unix socket. */
  constructor(private readonly target: net.NetConnectOpts) {}

  /**
   * A recorder listening in front of the server of `databaseUrl` (its Unix socket when the URL names a socket
   * directory, `?host=/var/run/postgresql`), and the URL of the same database through it.
   */
  static async inFrontOf(databaseUrl: string): Promise<{ recorder: WireRecorder; url: string }> {
    const u = new URL(databaseUrl);
    const dir = u.searchParams.get('host');
    const port = Number(u.port || 5432);
    const recorder = new WireRecorder(dir ? { path: `${dir}/.s.PGSQL.${port}` } : { host: u.hostname, port });
    const via = new URL(databaseUrl);
    via.hostname = '127.0.0.1';
    via.port = String(await recorder.listen());
    via.searchParams.delete('host');
    return { recorder, url: via.toString() };
  }

  async listen(): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      const mine: WireStatement[] = [];
      this.recorded.push(mine);
      const parser = new FrontendParser();
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => (s === client ? upstream : client).destroy());
      }
      client.on('data', (chunk: Buffer) => {
        const sent = parser.push(chunk);
        if (this.recording) mine.push(...sent);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Records from now on, forgetting what was recorded before. */
  start(): void {
    for (const r of this.recorded) r.length = 0;
    this.recording = true;
  }

  /** Stops recording; the committed transactions recorded since start(), connection by connection. */
  stop(): WireStatement[][] {
    this.recording = false;
    return this.recorded.flatMap(transactions);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A text as a pgbench-safe literal: an escape string with no colon (pgbench reads `:name` as its own variable). */
function literal(v: string): string {
  return `E'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\x3a')}'`;
}

const repaymentSeq = `currval(pg_get_serial_sequence(E'repayments', E'id'))`;
const repaymentId = `(SELECT ${repaymentSeq})`;
const entryId = `(SELECT currval(pg_get_serial_sequence(E'journal_entries', E'id')))`;
// unique per run, and the same in every statement of the transaction; a one-row subquery, so it is evaluated once
const freshKey = `(SELECT E'replay-' || txid_current())`;

/**
 * One recorded repayment as a pgbench script. The repayment's id, its journal entry's id and its idempotency key are
 * drawn afresh in each run: the id from the `nextval` the recorded statements already call, the entry's from its
 * insert. JSON parameters (the stored response, the audit row, the loan's event) are left as recorded.
 */
export function replayScript(tx: WireStatement[]): { script: string; statements: number; trips: number } {
  const find = (re: RegExp, what: string) => {
    const s = tx.find((x) => re.test(x.sql));
    if (!s)
      throw new Error(`no ${what} among the repayment's statements: the ceiling's recogniser needs updating`);
    return s;
  };
  const insert = find(/INSERT INTO repayments\b/, 'repayment insert');
  const posting = find(/WITH locked AS MATERIALIZED/, 'ledger posting');
  const R = insert.params[0];
  const E = posting.params[0];
  const K = find(/INSERT INTO idempotency_keys\b/, 'idempotency key').params[1];
  if (!R || !/^\d+$/.test(R) || !E || !/^\d+$/.test(E) || !K)
    throw new Error('unexpected repayment parameters');
  // Ids are numbers that an amount may equal, so they are replaced only where they must be: the repayment's row and
  // its allocations' (all in its insert), and the posting's entry. The audit row and the event name the recorded id.
  const fresh = (s: WireStatement, n: number, v: string): string | undefined => {
    if (v === K) return freshKey;
    if (v === `repayment:${R}`) return `(SELECT E'repayment\\x3a' || ${repaymentSeq})`;
    if (s === posting && n === 1) return entryId;
    if (s !== insert) return undefined;
    if (n === 1) return repaymentId;
    // the allocations' repayment ids: an array of nothing but the id
    if (
      /^\{[\d,]+\}$/.test(v) &&
      v
        .slice(1, -1)
        .split(',')
        .every((x) => x === R)
    )
      return `(regexp_replace(${literal(v)}, E'\\\\m${R}\\\\M', ${repaymentId}::text, E'g'))`;
    return undefined;
  };
  const inline = (s: WireStatement) => {
    // a colon outside a literal would be taken for a pgbench variable: none of the recorded texts has one
    if (/(^|[^:]):(?!:)/.test(s.sql.replace(/'[^']*'/g, "''")))
      throw new Error(`a colon in ${s.sql.slice(0, 60)}`);
    return s.sql.replace(/\$(\d+)(::jsonb)?/g, (_, n: string, json: string | undefined) => {
      const v = s.params[Number(n) - 1];
      if (v === undefined) throw new Error(`no $${n} for ${s.sql.slice(0, 60)}`);
      if (v === null) return `NULL${json ?? ''}`;
      if (json) return literal(v) + json;
      return fresh(s, Number(n), v) ?? `(${literal(v)})`;
    });
  };
  const lines: string[] = [];
  let write: number | undefined;
  // The API keeps each ledger account's fixed attributes once read; a repayment that posts to an account its process
  // has not yet used reads them first. That is a cold cache, not a repayment as most are, so it is left out.
  const sent = tx.filter((x) => !/^SELECT [^;]* FROM ledger_accounts WHERE code = ANY/.test(x.sql.trim()));
  for (const s of sent) {
    if (s.write !== write) {
      if (write !== undefined) lines.push('\\endpipeline');
      lines.push('\\startpipeline');
      write = s.write;
    }
    lines.push(`${inline(s).replace(/;\s*$/, '')};`);
  }
  lines.push('\\endpipeline');
  return {
    script: `${lines.join('\n')}\n`,
    statements: sent.length,
    trips: new Set(sent.map((s) => s.write)).size,
  };
}

/** Seconds of a replay in which its clients are still preparing their statements (see replay). */
const WARM_UP = 15;

export interface Replay {
  /** transactions per second once every client has prepared its statements (the progress reports after WARM_UP) */
  tps: number;
  failed: number;
  latencyMs: number;
}

/**
 * Runs the scripts with pgbench (-M prepared) for `seconds`, and for at least twice WARM_UP. Each client prepares each
 * script's statements the first time it runs that script: for 120 scripts of long literal statements and 16 clients
 * that takes the run's first 10 s or so, while the figure climbs. The figure is the mean of pgbench's 5-second
 * progress reports after the first third of the run, and after WARM_UP whatever the run's length.
 */
export async function replay(
  scripts: string[],
  dir: string,
  opts: { database: string; clients: number; seconds: number; env: NodeJS.ProcessEnv },
): Promise<Replay> {
  mkdirSync(dir, { recursive: true });
  const files = scripts.map((s, i) => {
    const f = `${dir}/repayment-${i + 1}.sql`;
    writeFileSync(f, s);
    return f;
  });
  const seconds = Math.max(opts.seconds, 2 * WARM_UP);
  const args = [
    '-n',
    '-M',
    'prepared',
    '-c',
    String(opts.clients),
    '-j',
    '2',
    '-T',
    String(seconds),
    '-P',
    '5',
  ];
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('pgbench', [...args, ...files.flatMap((f) => ['-f', f]), opts.database], {
      env: opts.env,
    });
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    p.stderr.on('data', (d: Buffer) => (text += d.toString()));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0
        ? resolve(text)
        : reject(
            new Error(
              `pgbench replay: ${
                text
                  .split('\n')
                  .filter((l) => /error|DETAIL/i.test(l))
                  .slice(0, 10)
                  .join('\n') || text.slice(-2000)
              }`,
            ),
          ),
    );
  });
  const progress = [...out.matchAll(/^progress: ([\d.]+) s, ([\d.]+) tps, lat ([\d.]+) ms/gm)].map((m) => ({
    at: Number(m[1]),
    tps: Number(m[2]),
    lat: Number(m[3]),
  }));
  const steady = progress.filter((p) => p.at > Math.max(seconds / 3, WARM_UP));
  const use = steady.length ? steady : progress;
  if (!use.length) throw new Error(`pgbench replay printed no progress: ${out.slice(-2000)}`);
  return {
    tps: use.reduce((s, p) => s + p.tps, 0) / use.length,
    latencyMs: use.reduce((s, p) => s + p.lat, 0) / use.length,
    failed: Number(/^number of failed transactions: (\d+)/m.exec(out)?.[1] ?? 0),
  };
}
