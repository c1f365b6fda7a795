import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Descriptions, Space, Steps, Table, Tag } from 'antd';
import { useRef, useState, type ReactNode } from 'react';
import { api, ApiError, unwrap, type components } from '../api/client.js';
import { useI18n, type Lang } from '../lib/i18n.js';
import { ProblemAlert } from '../lib/problem.js';

export type ImportResult = components['schemas']['SheetImportResponse'];
type RowError = ImportResult['errors'][number];
type TemplateKind = 'households' | 'covered-loans';
type ImportPath = '/api/v1/households/import' | '/api/v1/covered-loans/import';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const acceptLanguage = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en');

/** The template of an import, through the client, saved under the name the API gives it. */
async function downloadTemplate(kind: TemplateKind): Promise<void> {
  const r = await api.GET('/api/v1/import-templates/{kind}', { params: { path: { kind } }, parseAs: 'blob' });
  if (!r.response.ok || !(r.data instanceof Blob)) {
    throw new ApiError({ ...((r.error ?? {}) as object), status: r.response.status });
  }
  const disposition = r.response.headers.get('Content-Disposition') ?? '';
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const name = utf8 ? decodeURIComponent(utf8[1]) : `${kind}-template.xlsx`;
  const url = URL.createObjectURL(r.data);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The file as it is (XLSX, or CSV in UTF-8 or GBK: the bytes are sent untouched, the API finds the encoding), with
 * the reasons of bad rows asked for in the console's language.
 */
function postSheet(path: ImportPath, file: File, dryRun: boolean, lang: Lang): Promise<ImportResult> {
  const isXlsx = file.type === XLSX || /\.xlsx$/i.test(file.name);
  return unwrap<ImportResult>(
    api.POST(path as '/api/v1/households/import', {
      params: { query: { dryRun } },
      body: file as never,
      bodySerializer: (b: unknown) => b as Blob,
      headers: { 'Content-Type': isXlsx ? XLSX : 'text/csv', 'Accept-Language': acceptLanguage(lang) },
    }),
  );
}

export interface SheetImportProps {
  kind: TemplateKind;
  path: ImportPath;
  /** Awaited before the real import (a screen takes its "before" figures). */
  beforeImport?(): Promise<void>;
  /** After a real import the API answered (imported or not). */
  onImported?(r: ImportResult): void;
  /** Shown under the outcome (the covered loans' capacity before and after). */
  children?: ReactNode;
}

/**
 * Every bulk import the same way: the template, the file, a dry run listing every bad row (row number as the
 * spreadsheet shows it, the column as the file names it, the reason in the chosen language), then the import itself
 * (all or nothing). The same file twice registers nothing twice: the API's answer (skipped rows) is shown.
 */
export function SheetImport({ kind, path, beforeImport, onImported, children }: SheetImportProps) {
  const { t, lang } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const template = useMutation({ mutationFn: () => downloadTemplate(kind) });
  const dry = useMutation({ mutationFn: (f: File) => postSheet(path, f, true, lang) });
  const real = useMutation({
    mutationFn: async (f: File) => {
      await beforeImport?.();
      return postSheet(path, f, false, lang);
    },
    onSuccess: (r) => onImported?.(r),
  });

  const choose = (f: File | null) => {
    setFile(f);
    dry.reset();
    real.reset();
  };
  const checked = dry.data;
  const done = real.data;
  const mayConfirm =
    !!file && !!checked && checked.failed === 0 && !done && !real.isPending && !dry.isPending;
  const step = done ? 3 : checked ? (checked.failed ? 2 : 3) : file ? 2 : 1;
  const shown = done ?? checked;

  return (
    <div data-testid={`import-${kind}`}>
      <Steps
        size="small"
        current={step}
        style={{ marginBottom: 16 }}
        items={[
          { title: t('imp_stepTemplate') },
          { title: t('imp_stepUpload') },
          { title: t('imp_stepDryRun'), status: checked && checked.failed ? 'error' : undefined },
          { title: t('imp_stepConfirm'), status: done ? 'finish' : undefined },
        ]}
      />
      <Space direction="vertical" style={{ width: '100%' }}>
        <Button onClick={() => template.mutate()} loading={template.isPending}>
          {t('imp_downloadTemplate')}
        </Button>
        {template.error ? <ProblemAlert error={template.error} /> : null}
        <div>
          <label htmlFor={`import-file-${kind}`} style={{ display: 'block', marginBottom: 4 }}>
            {t('imp_file')}
          </label>
          <input
            id={`import-file-${kind}`}
            ref={input}
            type="file"
            accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => choose(e.target.files?.[0] ?? null)}
          />
          <div style={{ color: '#888', fontSize: 12, marginTop: 4 }}>{t('imp_fileHint')}</div>
        </div>
        <Space>
          <Button disabled={!file || !!done} loading={dry.isPending} onClick={() => file && dry.mutate(file)}>
            {t('imp_dryRun')}
          </Button>
          <Button
            type="primary"
            disabled={!mayConfirm}
            loading={real.isPending}
            onClick={() => file && real.mutate(file)}
          >
            {t('imp_confirm')}
          </Button>
          {done ? (
            <Button
              onClick={() => {
                if (input.current) input.current.value = '';
                choose(null);
              }}
            >
              {t('imp_again')}
            </Button>
          ) : null}
        </Space>
        {dry.error ? <ProblemAlert error={dry.error} /> : null}
        {real.error ? <ProblemAlert error={real.error} /> : null}
        {shown ? <Outcome result={shown} final={!!done} /> : null}
        {children}
      </Space>
    </div>
  );
}

function Outcome({ result, final }: { result: ImportResult; final: boolean }) {
  const { t } = useI18n();
  let verdict: ReactNode;
  if (result.failed)
    verdict = <Alert type="error" showIcon title={final ? t('imp_refused') : t('imp_dryRunBad')} />;
  else if (final)
    verdict = (
      <Alert
        type={result.imported ? 'success' : 'info'}
        showIcon
        data-testid="import-done"
        title={result.imported ? `${t('imp_done')}: ${result.imported}` : t('imp_nothingNew')}
      />
    );
  else if (!result.valid) verdict = <Alert type="info" showIcon title={t('imp_nothingToImport')} />;
  else verdict = <Alert type="success" showIcon data-testid="dry-run-ok" title={t('imp_dryRunOk')} />;
  return (
    <div data-testid="import-outcome" data-dry-run={String(result.dryRun)}>
      <Descriptions size="small" column={3} bordered style={{ marginBottom: 8 }}>
        <Descriptions.Item label={t('imp_rows')}>{result.rows}</Descriptions.Item>
        <Descriptions.Item label={t('imp_valid')}>{result.valid}</Descriptions.Item>
        <Descriptions.Item label={t('imp_failed')}>
          <span data-testid="import-failed">{result.failed}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('imp_skipped')}>
          <span data-testid="import-skipped">{result.skipped}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('imp_imported')}>
          <span data-testid="import-imported">{result.imported}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('imp_format')}>
          {result.format}
          {result.format === 'CSV' ? ` · ${result.encoding}` : ''}
        </Descriptions.Item>
      </Descriptions>
      {verdict}
      {result.errors.length ? (
        <Table<RowError>
          style={{ marginTop: 8 }}
          data-testid="import-errors"
          rowKey={(e) => `${e.row}:${e.field}:${e.code}`}
          size="small"
          pagination={result.errors.length > 50 ? { pageSize: 50, showSizeChanger: false } : false}
          dataSource={result.errors}
          columns={[
            { title: t('imp_row'), dataIndex: 'row', width: 70, align: 'right' },
            { title: t('imp_column'), dataIndex: 'column', width: 160 },
            { title: t('imp_reason'), dataIndex: 'message' },
            { title: 'Code', dataIndex: 'code', width: 200, render: (c: string) => <Tag>{c}</Tag> },
          ]}
        />
      ) : null}
      {result.errorsTruncated ? <div style={{ color: '#888' }}>{t('imp_truncated')}</div> : null}
    </div>
  );
}
