/**
 * One Idempotency-Key per submission. A submission whose answer never came (network failure, a 5xx) may have been
 * carried out: sending the same values again reuses its key, so the API replays the outcome instead of recording the
 * money twice. Anything else (changed values, or a previous attempt that was answered) gets a fresh key.
 */
export interface Attempt {
  body: string;
  key: string;
  /** true while the attempt is unanswered or its answer says nothing about whether it was carried out */
  open: boolean;
}

export function keyFor(last: Attempt | null, body: string, fresh: () => string): Attempt {
  if (last && last.open && last.body === body) return last;
  return { body, key: fresh(), open: true };
}

/** After an answer: a refusal (4xx) closes the attempt; a lost answer or a server fault (status 0, 5xx) keeps it open. */
export function settle(attempt: Attempt, status: number | undefined): Attempt | null {
  if (status !== undefined && status > 0 && status < 500) return null;
  return { ...attempt, open: true };
}
