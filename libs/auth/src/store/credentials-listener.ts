import type pg from 'pg';

/** The channel the database notifies on a change to a user, or to the areas users are bound to (migration 1764700000000). */
export const CREDENTIALS_CHANNEL = 'mae_credentials';

/** Subscribes a dedicated connection to the notifications of changed credentials (CredentialsCache). */
export async function listenForCredentialChanges(client: pg.Client): Promise<void> {
  await client.query(`LISTEN ${CREDENTIALS_CHANNEL}`);
}
