/** Tables only this library's stores write; other libraries go through its public surface. */
export const OWNED_TABLES = ['products', 'product_versions', 'benchmark_rates'] as const;
