export {
  type BullmqDelivery,
  type BullmqDeliveryOptions,
  type BullmqDeliveryStats,
  bullmqDelivery,
} from './bullmq-delivery.js';
export { type ExportWorkerHandle, type ExportWorkerOptions, limiterFor, startExportWorker } from './export-worker.js';
export type { JobPayload } from './job-payload.js';
export type { ExportJobResult } from './process-job.js';
export type { RedisConnection } from './redis-connection.js';
export type { ExportWorkerStats } from './worker-stats.js';
