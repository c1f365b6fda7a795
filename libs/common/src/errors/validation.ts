import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage, ValidateIf } from 'class-validator';
import type { FieldError } from './domain-error.js';
import { validatorCode } from './field-error-codes.js';

type Params = Record<string, string | number>;

/** The arguments of a built-in constraint, named as the message catalogue names them ({max} of maxLength …). */
function paramsOf(rule: string, constraints: unknown[] | undefined): Params | undefined {
  const c = constraints ?? [];
  const n = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? v : String(v));
  switch (rule) {
    case 'maxLength':
    case 'max':
    case 'arrayMaxSize':
      return c.length ? { max: n(c[0]) } : undefined;
    case 'minLength':
    case 'min':
    case 'arrayMinSize':
      return c.length ? { min: n(c[0]) } : undefined;
    case 'isLength':
      return c.length >= 2 ? { min: n(c[0]), max: n(c[1]) } : undefined;
    case 'isIn':
      return Array.isArray(c[0]) ? { values: (c[0] as unknown[]).map(String).join('、') } : undefined;
    default:
      return undefined;
  }
}

/** The constraint arguments of one failed rule, read from class-validator's metadata of the DTO class. */
function constraintParams(target: object | undefined, property: string, rule: string): Params | undefined {
  if (!target || typeof target !== 'object') return undefined;
  const metas = getMetadataStorage().getTargetValidationMetadatas(target.constructor, '', true, false);
  const meta = metas.find((m) => m.propertyName === property && (m.name === rule || m.type === rule));
  return paramsOf(rule, meta?.constraints);
}

/**
 * Every failed rule of every field, each with its code. A field left out (undefined) whose rules failed is a
 * required field: it is answered once as `REQUIRED` "… is required", not with the length and type rules that
 * cannot hold for a value that is not there.
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const rules = Object.entries(e.constraints ?? {});
    const missing =
      e.value === undefined && rules.length > 0 && !('whitelistValidation' in (e.constraints ?? {}));
    if (missing) {
      out.push({ field, code: 'REQUIRED', message: `${field} is required` });
    } else {
      for (const [rule, message] of rules) {
        const params = constraintParams(e.target, e.property, rule);
        out.push({ field, code: validatorCode(rule), message, ...(params ? { params } : {}) });
      }
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

type MetadataStorage = ReturnType<typeof getMetadataStorage>;
type TargetMetadatas = MetadataStorage['getTargetValidationMetadatas'];
/** Marks a storage already wrapped (the storage is process-global; this module may be loaded more than once). */
const REMEMBERING = Symbol.for('mae.rememberValidationMetadata');

/**
 * class-validator looks a DTO class's rules up on every validation by walking every class it knows (an `instanceof`
 * per registered class, for inherited rules): with this API's few hundred DTO classes that was about 2 % of a
 * request's CPU. The rules of a class change only when a decorator registers one, so the answer is kept per class
 * and lookup, and forgotten whenever anything registers. Each caller gets its own copy of the list.
 */
export function rememberValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  const marked = storage as MetadataStorage & { [REMEMBERING]?: true };
  if (marked[REMEMBERING]) return;
  marked[REMEMBERING] = true;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  let kept = new WeakMap<object, Map<string, ReturnType<TargetMetadatas>>>();
  const forget = <A extends unknown[]>(register: (...args: A) => void) =>
    function (this: MetadataStorage, ...args: A) {
      kept = new WeakMap();
      register.apply(this, args);
    };
  storage.addValidationMetadata = forget(storage.addValidationMetadata);
  storage.addConstraintMetadata = forget(storage.addConstraintMetadata);
  storage.addValidationSchema = forget(storage.addValidationSchema);
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (typeof target !== 'function') return lookup(target, schema, always, strictGroups, groups);
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0000') ?? ''}\u0000${groups?.length ?? -1}`;
    let byKey = kept.get(target);
    if (!byKey) kept.set(target, (byKey = new Map()));
    let found = byKey.get(key);
    if (!found) byKey.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found.slice();
  };
}

/** The global pipe: whitelist, forbid unknown fields, transform; errors name every offending field. */
export function createValidationPipe(): ValidationPipe {
  rememberValidationMetadata();
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: true, value: true },
    exceptionFactory: (errors) => {
      const fieldErrors = flattenValidationErrors(errors);
      return new BadRequestException({
        code: 'VALIDATION_FAILED',
        message: `Invalid request: ${[...new Set(fieldErrors.map((e) => e.field))].join(', ')}`,
        errors: fieldErrors,
      });
    },
  });
}

/**
 * Like @IsOptional(), but only for a field left out: a field sent as null is validated (and refused) like any other
 * value. For patches whose fields are all NOT NULL columns, where null cannot mean "clear".
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value: unknown) => value !== undefined);
}
