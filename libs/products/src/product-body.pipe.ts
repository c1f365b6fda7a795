import { BadRequestException, type ArgumentMetadata, type PipeTransform, type Type } from '@nestjs/common';
import { createValidationPipe, type FieldError } from '#libs/common';
import { parseProductInput, validateDefinition, type ProductInput } from './domain/definition.js';
import { PRODUCT_KINDS, type ProductKind } from './domain/enums.js';

/**
 * Validates a product body so that one 400 names every problem: the field formats (class-validator on the DTO)
 * and the rules between fields (max ≥ min, BULLET ⇔ AT_MATURITY, FIXED needs a rate, productive purposes…).
 * The global pipe would stop at the formats, so the handler's parameter is typed as a plain interface (the global
 * pipe leaves it alone) and this pipe runs the same validation, then adds the cross-field failures. A PATCH has
 * no complete definition before it is merged with the current version: its cross-field rules run in the service.
 */
export class ProductBodyPipe implements PipeTransform {
  private readonly validation = createValidationPipe();

  constructor(
    private readonly metatype: Type,
    private readonly mode: 'create' | 'replace' | 'patch',
  ) {}

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await this.validation.transform(value, { ...metadata, type: 'body', metatype: this.metatype });
    } catch (e) {
      if (!(e instanceof BadRequestException) || this.mode === 'patch' || !value || typeof value !== 'object') throw e;
      const response = e.getResponse() as { errors?: FieldError[] };
      const formatErrors = response.errors ?? [];
      const raw = value as ProductInput & { kind?: unknown };
      const kind = PRODUCT_KINDS.includes(raw.kind as ProductKind) ? (raw.kind as ProductKind) : undefined;
      const { definition } = parseProductInput(raw, null);
      const reported = new Set(formatErrors.map((f) => f.field));
      const ruleErrors = validateDefinition(this.mode === 'create' ? kind : undefined, definition).filter((r) => !reported.has(r.field));
      const errors = [...formatErrors, ...ruleErrors];
      throw new BadRequestException({
        code: 'VALIDATION_FAILED',
        message: `Invalid request: ${[...new Set(errors.map((f) => f.field))].join(', ')}`,
        errors,
      });
    }
  }
}
