import { SetMetadata } from '@nestjs/common';

export const ROLES = ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'BANK_OFFICER', 'AUDITOR'] as const;
export type Role = (typeof ROLES)[number];

/*
 * Who may read what: the role sets read endpoints use, defined once (spread into @Roles(...)).
 */
/** Oversight of the money: administrators, fund administrators and auditors (funding, subsidy programmes, reports). */
export const OVERSIGHT_READERS = ['ADMIN', 'FUND_ADMIN', 'AUDITOR'] as const satisfies readonly Role[];
/** The oversight roles and the banks, which see their own bank's records (subsidy claims). */
export const OVERSIGHT_AND_BANK_READERS = [
  'ADMIN',
  'FUND_ADMIN',
  'AUDITOR',
  'BANK_OFFICER',
] as const satisfies readonly Role[];
/** The fund's own staff, loan officers included, but not the banks (funds, groups, repayments, close of business). */
export const STAFF_READERS = [
  'ADMIN',
  'FUND_ADMIN',
  'LOAN_OFFICER',
  'AUDITOR',
] as const satisfies readonly Role[];
/** Every role, banks included (scoped to their bank by the services): households and loans. */
export const EVERY_ROLE_READERS = [
  'ADMIN',
  'FUND_ADMIN',
  'LOAN_OFFICER',
  'AUDITOR',
  'BANK_OFFICER',
] as const satisfies readonly Role[];

export const ROLES_KEY = 'roles';
export const PUBLIC_KEY = 'public';
export const PUBLIC_WHEN_KEY = 'publicWhen';

/** Who may call an endpoint. Endpoints without @Roles or @Public are refused (deny by default). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** No token needed. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** No token needed when the named configuration flag is on (e.g. the schedule preview in development). */
export const PublicWhen = (flag: 'previewPublic' | 'DOCS_PUBLIC') => SetMetadata(PUBLIC_WHEN_KEY, flag);
