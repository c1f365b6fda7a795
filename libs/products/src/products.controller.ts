import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { PageOf, Roles, ROLES } from '#libs/common';
import type { ProductInput } from './domain/definition.js';
import { ActivationDto, ContractRateQuery, CreateProductDto, PatchProductDto, ProductQuery, ReplaceProductDto, VersionsQuery } from './dto.js';
import { ProductBodyPipe } from './product-body.pipe.js';
import { ProductsService } from './products.service.js';
import { ProductContractRateResponse, ProductResponse, ProductVersionResponse } from './responses.js';

/**
 * The validated body (see ProductBodyPipe). Typed as an interface on purpose: the global pipe skips parameters
 * that are not classes, so the product pipe can report format and cross-field failures together.
 */
interface ProductBody extends ProductInput {
  code: string;
  kind: string;
  baseVersion?: number;
}

const VERSION_EXAMPLE = {
  id: '2',
  productId: '2',
  code: 'HH_MICRO_STD',
  kind: 'HOUSEHOLD_MICROCREDIT',
  version: 1,
  isCurrent: true,
  active: true,
  name: 'Household poverty microcredit (standard)',
  currency: 'CNY',
  minPrincipal: '1000.00',
  maxPrincipal: '50000.00',
  firstLoanMax: null,
  minTermMonths: 1,
  maxTermMonths: 36,
  method: 'EQUAL_INSTALLMENT',
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rounding: 'HALF_UP',
  installmentMultiple: '0.01',
  rateSource: 'BENCHMARK',
  fixedRatePercent: null,
  markupPercent: '0',
  penaltyRatePercent: '50',
  penaltyBasis: 'SURCHARGE_ON_CONTRACT',
  graceDays: 0,
  allowedPurposes: ['PLANTING', 'BREEDING'],
  eligibleStatuses: ['POOR', 'GRADUATED'],
  minAge: 18,
  maxAge: 65,
  subsidyPolicy: null,
  requiresGuaranteeFund: true,
  requiresGroup: false,
  prepaymentMode: 'SHORTEN_TERM',
  earlyRepaymentFee: 'ACCRUED',
  waterfall: ['OVERDUE_PENALTY', 'OVERDUE_INTEREST', 'OVERDUE_PRINCIPAL', 'CURRENT_INTEREST', 'CURRENT_PRINCIPAL', 'FUTURE'],
  maxPerLinkedHousehold: null,
  createdBy: 'system',
  createdAt: '2026-01-05T02:00:00.000Z',
};
const PRODUCT_EXAMPLE = {
  id: '2',
  code: 'HH_MICRO_STD',
  kind: 'HOUSEHOLD_MICROCREDIT',
  name: 'Household poverty microcredit (standard)',
  active: true,
  currentVersion: 1,
  createdAt: '2026-01-05T02:00:00.000Z',
  terms: VERSION_EXAMPLE,
};
const ID_OR_CODE = { name: 'id', description: 'product id or code', example: 'HH_MICRO_STD' };

@ApiTags('products')
@ApiBearerAuth()
@Controller('api/v1/products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get()
  @Roles(...ROLES)
  @ApiOperation({ summary: 'List products' })
  @ApiOkResponse({
    description: 'Products with their current terms; filter by kind, active, rate source, guarantee, purpose, text',
    type: PageOf(ProductResponse),
    example: { items: [PRODUCT_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listProducts(@Query() q: ProductQuery) {
    return this.products.list(q, q);
  }

  @Get(':id')
  @Roles(...ROLES)
  @ApiParam(ID_OR_CODE)
  @ApiOperation({ summary: 'Get a product with its current terms' })
  @ApiOkResponse({ type: ProductResponse, example: PRODUCT_EXAMPLE })
  @ApiNotFoundResponse()
  getProduct(@Param('id') id: string) {
    return this.products.get(id);
  }

  @Get(':id/versions')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'List a product\'s versions' })
  @ApiParam(ID_OR_CODE)
  @ApiOkResponse({ description: 'Every version, newest first', type: PageOf(ProductVersionResponse), example: { items: [VERSION_EXAMPLE], page: 1, pageSize: 50, total: 1 } })
  listProductVersions(@Param('id') id: string, @Query() q: VersionsQuery) {
    return this.products.versions(id, q);
  }

  @Get(':id/contract-rate')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Quote the contract rate of a product for a term' })
  @ApiParam(ID_OR_CODE)
  @ApiOkResponse({
    description: 'The rate a loan of this term contracted on this date (default today) would carry under the current version',
    type: ProductContractRateResponse,
    example: {
      productId: '2',
      code: 'HH_MICRO_STD',
      version: 1,
      termMonths: 12,
      contractDate: '2026-03-01',
      annualRatePercent: '4.35',
      benchmarkRatePercent: '4.35',
      benchmarkRateId: '1',
      markupPercent: '0',
      penaltyRatePercent: '6.525',
      rateSource: 'BENCHMARK',
    },
  })
  @ApiUnprocessableEntityResponse({ description: 'BENCHMARK_RATE_NOT_IN_FORCE' })
  quoteContractRate(@Param('id') id: string, @Query() q: ContractRateQuery) {
    return this.products.quote(id, q.termMonths, q.date);
  }

  @Post()
  @Roles('FUND_ADMIN')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a product' })
  @ApiBody({ type: CreateProductDto })
  @ApiCreatedResponse({ description: 'The product and its version 1', type: ProductResponse, example: PRODUCT_EXAMPLE })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED naming every offending field (formats and rules between fields)' })
  @ApiConflictResponse({ description: 'PRODUCT_CODE_TAKEN' })
  @ApiForbiddenResponse({ description: 'only FUND_ADMIN manages products' })
  createProduct(@Body(new ProductBodyPipe(CreateProductDto, 'create')) dto: ProductBody) {
    return this.products.create(dto);
  }

  @Put(':id')
  @Roles('FUND_ADMIN')
  @ApiOperation({ summary: 'Replace a product definition (new version)' })
  @ApiParam(ID_OR_CODE)
  @ApiBody({ type: ReplaceProductDto })
  @ApiOkResponse({ description: 'A new version with the whole definition (absent optional fields take defaults)', type: ProductResponse, example: PRODUCT_EXAMPLE })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED naming every offending field' })
  @ApiConflictResponse({ description: 'PRODUCT_VERSION_CONFLICT when baseVersion is not the current version' })
  replaceProduct(@Param('id') id: string, @Body(new ProductBodyPipe(ReplaceProductDto, 'replace')) dto: ProductBody) {
    return this.products.revise(id, dto, { mode: 'replace', baseVersion: dto.baseVersion });
  }

  @Patch(':id')
  @Roles('FUND_ADMIN')
  @ApiOperation({ summary: 'Change some product terms (new version)' })
  @ApiParam(ID_OR_CODE)
  @ApiBody({ type: PatchProductDto })
  @ApiOkResponse({ description: 'A new version: the current terms with these fields changed', type: ProductResponse, example: PRODUCT_EXAMPLE })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED naming every offending field' })
  @ApiConflictResponse({ description: 'PRODUCT_VERSION_CONFLICT when baseVersion is not the current version' })
  reviseProduct(@Param('id') id: string, @Body(new ProductBodyPipe(PatchProductDto, 'patch')) dto: ProductBody) {
    return this.products.revise(id, dto, { mode: 'patch', baseVersion: dto.baseVersion });
  }

  @Post(':id/deactivate')
  @Roles('FUND_ADMIN')
  @ApiOperation({ summary: 'Deactivate a product' })
  @HttpCode(200)
  @ApiParam(ID_OR_CODE)
  @ApiOkResponse({ description: 'No new loans under the product; existing loans keep their version', type: ProductResponse, example: { ...PRODUCT_EXAMPLE, active: false } })
  deactivateProduct(@Param('id') id: string, @Body() dto: ActivationDto) {
    return this.products.setActive(id, false, dto.reason);
  }

  @Post(':id/activate')
  @Roles('FUND_ADMIN')
  @ApiOperation({ summary: 'Activate a product' })
  @HttpCode(200)
  @ApiParam(ID_OR_CODE)
  @ApiOkResponse({ type: ProductResponse, example: PRODUCT_EXAMPLE })
  activateProduct(@Param('id') id: string, @Body() dto: ActivationDto) {
    return this.products.setActive(id, true, dto.reason);
  }
}

@ApiTags('products')
@ApiBearerAuth()
@Controller('api/v1/product-versions')
export class ProductVersionsController {
  constructor(private readonly products: ProductsService) {}

  @Get(':id')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Get one version of a product' })
  @ApiOkResponse({ description: 'One version of a product (current or historical)', type: ProductVersionResponse, example: VERSION_EXAMPLE })
  @ApiNotFoundResponse()
  getProductVersion(@Param('id') id: string) {
    return this.products.version(id);
  }
}
