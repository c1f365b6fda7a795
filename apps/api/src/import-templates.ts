import { Controller, Get, Module, Param, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { RESULT_COLUMNS } from '#libs/asset-income';
import { CONTRIBUTION_COLUMNS } from '#libs/funds';
import { COVERED_LOAN_COLUMNS } from '#libs/guarantee';
import {
  ApiFile,
  DomainError,
  EVERY_ROLE_READERS,
  importTemplate,
  Roles,
  XLSX_CONTENT_TYPE,
  type ColumnSpec,
  type TemplateOptions,
} from '#libs/common';
import { ENTITY_COLUMNS, GROUP_COLUMNS, HOUSEHOLD_COLUMNS } from '#libs/households';
import { STATEMENT_TEMPLATE_COLUMNS } from '#libs/reconciliation';

interface TemplateKind extends TemplateOptions {
  columns: readonly ColumnSpec[];
  filename: string;
}

/** Every import's template: the columns come from the import itself, so template and reader cannot drift apart. */
const TEMPLATES: Record<string, TemplateKind> = {
  households: {
    columns: HOUSEHOLD_COLUMNS,
    filename: '农户信息导入模板',
    sheetName: '农户信息',
    title: '建档立卡农户信息导入模板',
    notes: [
      '6. 上传：POST /api/v1/households/import（可加 ?dryRun=true 试导入）；身份证号码已登记的行将跳过。',
    ],
  },
  groups: {
    columns: GROUP_COLUMNS,
    filename: '联保小组导入模板',
    sheetName: '联保小组',
    title: '农户联保小组导入模板',
    notes: [
      '6. 上传：POST /api/v1/groups/import（可加 ?dryRun=true 试导入）；全部正确才导入；同村同名且成员相同的小组将跳过。',
    ],
  },
  entities: {
    columns: ENTITY_COLUMNS,
    filename: '经营主体及带动农户导入模板',
    sheetName: '经营主体',
    title: '新型农业经营主体及带动贫困户导入模板',
    notes: [
      '6. 上传：POST /api/v1/entities/import（可加 ?dryRun=true 试导入）；全部正确才导入；信用代码已登记的主体不重复登记，只补充未带动的农户。',
    ],
  },
  'fund-contributions': {
    columns: CONTRIBUTION_COLUMNS,
    filename: '互助资金社员入股导入模板',
    sheetName: '社员入股',
    title: '村级互助资金社员入股导入模板',
    notes: [
      '6. 上传：POST /api/v1/mutual-aid-funds/{互助资金编号}/contributions/import（可加 ?dryRun=true 试导入）；全部正确才导入；同一社员同一日期同一金额已入账的行将跳过。',
    ],
  },
  'covered-loans': {
    columns: COVERED_LOAN_COLUMNS,
    filename: '担保贷款批量登记模板',
    sheetName: '担保贷款',
    title: '合作银行风险补偿担保贷款批量登记模板',
    notes: [
      '6. 上传：POST /api/v1/covered-loans/import（合作银行，可加 ?dryRun=true 试导入）；全部正确才登记；本行已登记的贷款编号将跳过。',
    ],
  },
  'bank-statements': {
    columns: STATEMENT_TEMPLATE_COLUMNS,
    filename: '银行对账单模板',
    sheetName: '对账单',
    title: '合作银行担保贷款对账单模板',
    notes: [
      '6. 上传：POST /api/v1/reconciliation/runs?asOfDate=对账日期；格式错误的行逐行报告，不影响其他行的核对。',
    ],
  },
  'asset-income-results': {
    columns: RESULT_COLUMNS,
    filename: '资产收益经营成果导入模板',
    sheetName: '经营成果',
    title: '资产收益项目年度经营成果导入模板',
    notes: ['6. 上传：POST /api/v1/asset-income/projects/{项目编号}/results/import-file；全部正确才导入。'],
  },
};
export const TEMPLATE_KINDS = Object.keys(TEMPLATES);

@ApiTags('imports')
@ApiBearerAuth()
@Controller('api/v1/import-templates')
export class ImportTemplatesController {
  @Get(':kind')
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({
    summary: 'Download the XLSX template of an import',
    description:
      'Chinese headers (required ones marked *), the English field keys in a grey second row, drop-down lists for ' +
      'enumerations, and an instructions sheet with every column and an example row. The import reads the filled-in ' +
      'workbook as it is, or saved from Excel as CSV (UTF-8 or GBK).',
  })
  @ApiParam({ name: 'kind', enum: TEMPLATE_KINDS })
  @ApiFile('xlsx')
  async downloadImportTemplate(@Param('kind') kind: string): Promise<StreamableFile> {
    const t = Object.prototype.hasOwnProperty.call(TEMPLATES, kind) ? TEMPLATES[kind] : undefined;
    if (!t)
      throw new DomainError('NOT_FOUND', `no import template "${kind}"; one of ${TEMPLATE_KINDS.join(', ')}`);
    const body = await importTemplate(t.columns, t);
    return new StreamableFile(body, {
      type: XLSX_CONTENT_TYPE,
      disposition: `attachment; filename="${kind}-template.xlsx"; filename*=UTF-8''${encodeURIComponent(t.filename)}.xlsx`,
      length: body.length,
    });
  }
}

@Module({ controllers: [ImportTemplatesController] })
export class ImportTemplatesModule {}
