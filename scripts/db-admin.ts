import pg from 'pg';

/** Connection string of the maintenance database on the same server as `url`. */
export function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const name = databaseName(url);
  if (!IDENT.test(name)) throw new Error(`refusing unusual database name ${name}`);
  const client = new pg.Client({ connectionString: adminUrl(url) });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE ${name}`);
    return true;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  if (!IDENT.test(name)) throw new Error(`refusing unusual database name ${name}`);
  const client = new pg.Client({ connectionString: adminUrl(url) });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function cloneDatabase(url: string, template: string, name: string): Promise<void> {
  if (!IDENT.test(name) || !IDENT.test(template)) throw new Error('refusing unusual database name');
  const client = new pg.Client({ connectionString: adminUrl(url) });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await client.end();
  }
}
