export { PriceTable, costOf, DEFAULT_PRICES_FILE, type ModelPrice, type PriceFile } from './price-table.ts';
export { CostMetrics } from './cost-metrics.ts';
