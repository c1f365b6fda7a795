import { ID_PATTERN } from './ids.js';
import { applyDecorators, type Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiProduces, ApiOkResponse, type ApiPropertyOptions } from '@nestjs/swagger';

/**
 * Building blocks for the response schemas of the OpenAPI document. A response DTO is a class whose properties
 * carry these decorators and which describes exactly the JSON the handler returns (the contract test validates every
 * response the tests receive against it).
 */

/** A money amount as printed by `formatYuan`: yuan with exactly two decimals, possibly negative. */
export const MONEY_PATTERN = '^-?(0|[1-9][0-9]*)\\.[0-9]{2}$';
/** A rate or ratio as a decimal string (`"4.35"`, `"0.0323"`, `"10"`). */
export const DECIMAL_PATTERN = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$';
/** A calendar date. */
export const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';



type Opts = Omit<ApiPropertyOptions, 'type' | 'pattern'> & { optional?: boolean };

function prop(base: ApiPropertyOptions, { optional, ...rest }: Opts = {}) {
  const options = { ...base, ...rest } as ApiPropertyOptions;
  return optional ? ApiPropertyOptional(options) : ApiProperty(options);
}

/** Yuan, two decimals: `"5000.00"`. Pass `nullable: true` where the value may be null. */
export const ApiMoney = (o: Opts = {}) => prop({ type: String, pattern: MONEY_PATTERN, example: '5000.00' }, o);
/** A percent rate or a ratio as an exact decimal string. */
export const ApiDecimal = (o: Opts = {}) => prop({ type: String, pattern: DECIMAL_PATTERN, example: '4.35' }, o);
/** YYYY-MM-DD. */
export const ApiDate = (o: Opts = {}) => prop({ type: String, format: 'date', pattern: DATE_PATTERN, example: '2026-03-15' }, o);
/** An ISO 8601 instant. */
export const ApiDateTime = (o: Opts = {}) => prop({ type: String, format: 'date-time', example: '2026-03-15T08:30:00.000Z' }, o);
/** A bigint id as a string. */
export const ApiId = (o: Opts = {}) => prop({ type: String, pattern: ID_PATTERN.source, example: '42' }, o);

const pages = new Map<Type<unknown>, Type<unknown>>();
/** The class of a page of `item` (`{ items, page, pageSize, total }`), one per item class (named `<Item>Page`). */
export function PageOf<T>(item: Type<T>): Type<{ items: T[]; page: number; pageSize: number; total: number }> {
  let cls = pages.get(item);
  if (!cls) {
    class PageDto {
      @ApiProperty({ type: [item] }) items!: T[];
      @ApiProperty({ example: 1 }) page!: number;
      @ApiProperty({ example: 50 }) pageSize!: number;
      @ApiProperty({ example: 1 }) total!: number;
    }
    Object.defineProperty(PageDto, 'name', { value: `${item.name.replace(/(Response|Dto|View)$/, '')}Page` });
    cls = PageDto;
    pages.set(item, cls);
  }
  return cls as Type<{ items: T[]; page: number; pageSize: number; total: number }>;
}

const MEDIA = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  html: 'text/html',
} as const;

/** A file download (CSV, XLSX, SVG …): documents the media types and a binary/string body for 200. */
export function ApiFile(...kinds: (keyof typeof MEDIA)[]) {
  const content = Object.fromEntries(
    kinds.map((k) => [MEDIA[k], { schema: k === 'csv' || k === 'svg' || k === 'html' ? { type: 'string' } : { type: 'string', format: 'binary' } }]),
  );
  return applyDecorators(ApiProduces(...kinds.map((k) => MEDIA[k])), ApiOkResponse({ description: 'File download', content }));
}
