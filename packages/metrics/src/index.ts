export { type CollectMetricsOptions, collectMetrics, type MetricsCollection } from './collect-metrics.js';
export { metricsHandler } from './metrics-handler.js';
