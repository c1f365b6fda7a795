import { createParamDecorator, type ExecutionContext, type PipeTransform, Injectable } from '@nestjs/common';
import { DomainError, maskMiddle, type Actor, ID_PATTERN as ID } from '#libs/common';

/**
 * Who may see personal data (resident ID numbers, phones, birth dates) in clear. AUDITOR and BANK_OFFICER read
 * masked values; seed scripts and jobs (no actor) act as the system.
 */
export const FULL_PERSONAL_DATA_ROLES: ReadonlySet<string> = new Set(['ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'SYSTEM']);

export function seesPersonalData(viewer: Actor | null | undefined): boolean {
  return !viewer || FULL_PERSONAL_DATA_ROLES.has(viewer.role);
}

export const maskId = (value: string | null | undefined): string | null => maskMiddle(value, 4, 4);
export const maskPhone = (value: string | null | undefined): string | null => maskMiddle(value, 3, 4);

/** The authenticated caller, as the auth guard put it on the request. */
export const Viewer = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor | undefined => {
  return ctx.switchToHttp().getRequest<{ actor?: Actor }>().actor;
});

/** Path ids are bigserial values: anything else is a 400 naming the parameter, never a database error. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: { data?: string }): string {
    if (typeof value !== 'string' || !ID.test(value) || BigInt(value) > 9223372036854775807n) {
      const field = metadata.data ?? 'id';
      throw new DomainError('VALIDATION_FAILED', `${field} must be a positive integer id`, [
        { field, code: 'isId', message: `${field} must be a positive integer id` },
      ]);
    }
    return value;
  }
}

export const ID_PATTERN = ID;
