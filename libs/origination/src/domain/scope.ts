import type { Actor } from '#libs/common';

/**
 * Whose loans a reader may see: `undefined` for every loan, else only the loans of that bank (`null`: a bank actor
 * without a bank sees none). A bank (its officer or API key) sees only the loans it made; mutual-aid loans have no
 * bank.
 */
export type BankScope = string | number | null | undefined;

export function bankScopeOf(viewer: Actor | null | undefined): BankScope {
  return viewer?.role === 'BANK_OFFICER' || viewer?.via === 'api-key' ? (viewer.bankId ?? null) : undefined;
}
