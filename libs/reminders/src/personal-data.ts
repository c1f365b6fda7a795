import { maskMiddle, type Actor } from '#libs/common';

/**
 * Phones are personal data (ARCHITECTURE "Auth"): shown in full only to the roles that call borrowers (ADMIN,
 * FUND_ADMIN, LOAN_OFFICER) and to the system itself; masked for everyone else and in every log line.
 */
const FULL_PHONE_ROLES: ReadonlySet<string> = new Set(['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'SYSTEM']);

export const maskPhone = (phone: string | null | undefined): string | null => maskMiddle(phone, 3, 4);

export function phoneFor(viewer: Pick<Actor, 'role'>, phone: string | null): string | null {
  return FULL_PHONE_ROLES.has(viewer.role) ? phone : maskPhone(phone);
}
