/** Tables only this library's stores write; other libraries go through its public surface. */
export const OWNED_TABLES = ['contributions', 'funding_matching_rules'] as const;
