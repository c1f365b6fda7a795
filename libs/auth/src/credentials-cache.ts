import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { AppConfig } from '#libs/common';
import { listenForCredentialChanges } from './store/credentials-listener.js';

export { CREDENTIALS_CHANNEL } from './store/credentials-listener.js';

/** A kept entry is read again after this long even without a notification (a bound on any missed one). */
const MAX_AGE_MS = 60_000;
const MAX_USERS = 10_000;
const RECONNECT_MS = 1_000;

/**
 * What the token check reads on every request, the caller's user row (active, token version, role, bank, area),
 * kept by this process so a request does not pay a round trip for it. Correct only while the process hears of every
 * change, so:
 * - it keeps nothing unless it is LISTENing on `mae_credentials`, where a trigger on `users` (and on the area tables)
 *   notifies every process at the commit of any change, made through the API or straight in the database;
 * - the process that changes a user forgets it itself right after its commit (`forget`), before it answers, so a
 *   revocation is in force in that process at once and in the others as soon as the notification arrives (the same
 *   milliseconds in which a request already in flight would have passed anyway);
 * - a read that started before a notification is not kept (a generation counter), so a stale row read during a
 *   change is never kept;
 * - losing the listening connection forgets everything and reads every request until it is back;
 * - an entry is read again after a minute whatever happens.
 * AUTH_USER_CACHE=false turns it off (every request reads the row).
 */
@Injectable()
export class CredentialsCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CredentialsCache');
  private readonly entries = new Map<string, { value: unknown; at: number }>();
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private generation = 0;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    if (this.config.AUTH_USER_CACHE) await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.listening = false;
    this.entries.clear();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** True while changes are heard (entries are kept only then). */
  get active(): boolean {
    return this.listening;
  }

  /** The kept value of `id`, or `load()`'s, kept when no change was heard while it was read. Null is never kept. */
  async get<T>(id: string, load: () => Promise<T | null>): Promise<T | null> {
    if (!this.listening) return load();
    const hit = this.entries.get(id);
    if (hit && performance.now() - hit.at < MAX_AGE_MS) return hit.value as T;
    const generation = this.generation;
    const value = await load();
    if (value !== null && this.listening && generation === this.generation) {
      this.entries.delete(id);
      this.entries.set(id, { value, at: performance.now() });
      if (this.entries.size > MAX_USERS) this.entries.delete(this.entries.keys().next().value!);
    }
    return value;
  }

  /** Forgets a user (`*`: everyone); a read under way when this happens is not kept. */
  forget(id: string): void {
    this.generation++;
    if (id === '*') this.entries.clear();
    else this.entries.delete(id);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.DATABASE_URL,
      application_name: 'mutual-aid-engine:credentials',
    });
    client.on('notification', (n) => this.forget(n.payload || '*'));
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await listenForCredentialChanges(client);
    } catch (e) {
      this.lost(client, e as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.forget('*');
    this.listening = true;
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.client !== null && this.client !== client) return;
    const was = this.listening;
    this.listening = false;
    this.client = null;
    this.forget('*');
    client.end().catch(() => undefined);
    if (this.closed || this.retry) return;
    if (was) this.logger.warn(`credentials are read on every request until the database is heard again: ${error?.message ?? 'connection ended'}`);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.listen();
    }, RECONNECT_MS);
    this.retry.unref();
  }
}
