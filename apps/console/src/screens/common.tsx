import { Tag } from 'antd';
import type { ReactNode } from 'react';
import { formatMoney } from '../lib/format.js';
import { useI18n } from '../lib/i18n.js';

export function Money({ value }: { value: string | null | undefined }) {
  return <span style={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>{formatMoney(value)}</span>;
}

export function StatusTag({ value, prefix }: { value: string | null | undefined; prefix?: string }) {
  const { t } = useI18n();
  if (!value) return null;
  const key = prefix ? `${prefix}${value}` : value;
  const label = t(key);
  const color = /SUSPEND|REJECT|WRITTEN|NON_PERF|FAIL/.test(value) ? 'red' : /WARN|NOTICE|PENDING|FILED/.test(value) ? 'gold' : 'default';
  return <Tag color={color}>{label === key ? value : label}</Tag>;
}

export function PageTitle({ children, extra }: { children: ReactNode; extra?: ReactNode }) {
  return (
    <div style={{ display: 'flex', alignItems: 'center', marginBottom: 16, gap: 12 }}>
      <h1 style={{ fontSize: 20, margin: 0, flex: 1 }}>{children}</h1>
      {extra}
    </div>
  );
}
