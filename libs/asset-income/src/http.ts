import { createParamDecorator, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { applyDecorators, StreamableFile } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { DomainError, RequestContext, type Actor } from '#libs/common';
import type { ExportFile } from './export.js';

/** The authenticated caller (set by the global AuthGuard), handed to services for maker-checker and audit. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor | undefined => {
  const req = ctx.switchToHttp().getRequest<{ actor?: Actor }>();
  return req.actor ?? RequestContext.actor();
});

/** A numeric path id; anything else is a 400 naming the parameter, before any query runs. */
export class IdPipe implements PipeTransform<string, string> {
  constructor(private readonly field: string) {}
  transform(value: string): string {
    if (!/^\d{1,18}$/.test(value)) {
      throw new DomainError('VALIDATION_FAILED', `${this.field} must be a numeric id`, [{ field: this.field, code: 'FORMAT', message: 'must be a numeric id' }]);
    }
    return value;
  }
}

export class YearPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const year = /^\d{4}$/.test(value) ? Number(value) : NaN;
    if (!(year >= 2000 && year <= 2100)) {
      throw new DomainError('VALIDATION_FAILED', 'year must be between 2000 and 2100', [{ field: 'year', code: 'FORMAT', message: 'must be a year 2000-2100' }]);
    }
    return year;
  }
}

/** Documents the Idempotency-Key header of a money-moving POST. */
export const ApiIdempotencyKey = () =>
  applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: true,
      description: 'client-chosen key (8-128 of [A-Za-z0-9._:-]); a replay returns the first response, another body with the same key is 409',
      example: 'aip-pay-2024-7f3c9a',
    }),
  );

export function fileResponse(file: ExportFile): StreamableFile {
  return new StreamableFile(file.body, { type: file.contentType, disposition: `attachment; filename="${file.filename}"`, length: file.body.length });
}
