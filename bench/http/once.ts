import type { DataSource } from 'typeorm';

export interface OnceContext {
  bases: string[];
  admin: string;
  today: string;
  workers: number;
}

/** Scale-out checks: filled in below. */
export async function checkOnce(_ds: DataSource, _ctx: OnceContext): Promise<void> {}
