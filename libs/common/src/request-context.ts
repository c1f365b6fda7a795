import { AsyncLocalStorage } from 'node:async_hooks';
import type { AreaScope } from './area-scope.js';

export interface Actor {
  userId: number | null;
  username: string;
  role: string;
  bankId: number | null;
  via: 'jwt' | 'api-key' | 'system';
  /** A staff user's area (absent: the whole city, or a role that is not area-bound). */
  area?: AreaScope;
}

export interface RequestContextData {
  requestId: string;
  actor?: Actor;
  /** idempotency keys whose stored response this request replayed (see noteIdempotentReplay) */
  replayedKeys?: Set<string>;
  /** the whole response is a replay */
  replayed?: boolean;
}

const storage = new AsyncLocalStorage<RequestContextData>();

/** Request id and actor for the current request or job, read by the audit log and the ledger. */
export const RequestContext = {
  run<T>(data: RequestContextData, fn: () => T): T {
    return storage.run(data, fn);
  },
  get(): RequestContextData | undefined {
    return storage.getStore();
  },
  requestId(): string | undefined {
    return storage.getStore()?.requestId;
  },
  actor(): Actor | undefined {
    return storage.getStore()?.actor;
  },
  setActor(actor: Actor): void {
    const store = storage.getStore();
    if (store) store.actor = actor;
  },
};

export const SYSTEM_ACTOR: Actor = {
  userId: null,
  username: 'system',
  role: 'SYSTEM',
  bankId: null,
  via: 'system',
};
