import { SetMetadata } from '@nestjs/common';

export const ROLES = ['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'BANK_OFFICER', 'AUDITOR'] as const;
export type Role = (typeof ROLES)[number];

export const ROLES_KEY = 'roles';
export const PUBLIC_KEY = 'public';
export const PUBLIC_WHEN_KEY = 'publicWhen';

/** Who may call an endpoint. Endpoints without @Roles or @Public are refused (deny by default). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** No token needed. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** No token needed when the named configuration flag is on (e.g. the schedule preview in development). */
export const PublicWhen = (flag: 'previewPublic' | 'DOCS_PUBLIC') => SetMetadata(PUBLIC_WHEN_KEY, flag);
