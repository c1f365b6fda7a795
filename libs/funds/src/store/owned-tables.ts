/** Tables only this library's stores write; other libraries go through its public surface. */
export const OWNED_TABLES = ['mutual_aid_funds', 'fund_members', 'share_withdrawals'] as const;
