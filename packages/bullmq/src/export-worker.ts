import { createHttpDelivery, type FusewireLogger } from '@fusewire/core';
import { Queue, Worker } from 'bullmq';
import type { JobPayload } from './job-payload.js';
import { createProcessor, type ExportJobResult } from './process-job.js';
import { describeConnection, type RedisConnection, workerConnection } from './redis-connection.js';
import type { Delivery } from './seam.js';
import { emptyWorkerStats, type ExportWorkerStats } from './worker-stats.js';
import { withTimeout } from './with-timeout.js';
import { createStderrLogger, safeLogger } from './worker-logger.js';

/** Options of {@link startExportWorker}. */
export interface ExportWorkerOptions {
  /** Redis: a `redis://` URL, ioredis options, or an ioredis client. */
  connection: RedisConnection;
  /** Default `'fusewire'`: the same name the apps' `bullmqDelivery` uses. */
  queueName?: string;
  /** BullMQ key prefix. Default `'bull'`. */
  prefix?: string;
  /** Langfuse host, e.g. `https://cloud.langfuse.com`. */
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  /** Per-request timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** Jobs this process works on at once. Default 4. */
  concurrency?: number;
  /** Requests per minute across ALL workers of the queue (BullMQ's global rate limiter). Default: no limit. */
  maxRequestsPerMinute?: number;
  /** How long a job's lock lives without renewal: a crashed worker's job is re-run after about this. Default 30 000. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. Default 15 000. */
  stalledIntervalMs?: number;
  /** How many times one job may be recovered from a crashed worker before it fails. Default 5. */
  maxStalledCount?: number;
  /** Longest whole-queue pause a `Retry-After` may ask for. Default 300 000. */
  maxPauseMs?: number;
  /** A worker is "live" if it completed a job within this while jobs waited. Default 120 000. */
  stallThresholdMs?: number;
  /** Where warnings go (pino works). Default: stderr. */
  logger?: FusewireLogger;
  /** Stored on each job this worker runs (`processedBy`, shown by Bull Board). Default `fusewire-worker-<pid>`. */
  name?: string;
  /** Sends one request. Default: core's `createHttpDelivery` to `baseUrl`: the client and the reading of
   * answers (207 per event, OTLP partial success) the app itself would use. */
  sender?: Delivery;
}

/** A running export worker. */
export interface ExportWorkerHandle {
  readonly queueName: string;
  readonly worker: Worker<JobPayload, ExportJobResult>;
  /** Counters of this process. */
  stats(): ExportWorkerStats;
  /** Connected to Redis (a command answered within a second) and taking jobs. */
  isReady(): Promise<boolean>;
  /** Completed a job within `stallThresholdMs` while jobs waited, or none wait, or Langfuse asked to wait. */
  isLive(): Promise<boolean>;
  /** Stops taking jobs, finishes the ones in flight, disconnects. Never rejects. */
  close(): Promise<void>;
}

/**
 * BullMQ's limiter admits `max` jobs per `duration`. The same per-minute rate in the smallest whole
 * window keeps bursts small: 600/min becomes 10 per second, not 600 in the first second.
 */
export function limiterFor(maxRequestsPerMinute: number): { max: number; duration: number } {
  const max = Math.max(1, Math.ceil(maxRequestsPerMinute / 60));
  return { max, duration: Math.ceil((60_000 * max) / maxRequestsPerMinute) };
}

/**
 * Starts a worker that takes export jobs from the queue and ships them to Langfuse: retries with
 * jittered exponential backoff, a `Retry-After` pauses the whole queue, 207s retry only their failed
 * entries, non-retryable answers land in the failed set with the server's message, 413s split.
 *
 * @example
 * ```ts
 * import { startExportWorker } from '@fusewire/bullmq';
 *
 * const worker = startExportWorker({
 *   connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
 *   baseUrl: 'https://cloud.langfuse.com',
 *   publicKey: process.env.LANGFUSE_PUBLIC_KEY!,
 *   secretKey: process.env.LANGFUSE_SECRET_KEY!,
 *   maxRequestsPerMinute: 900,
 * });
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export function startExportWorker(options: ExportWorkerOptions): ExportWorkerHandle {
  const queueName = options.queueName ?? 'fusewire';
  const log = safeLogger(options.logger ?? createStderrLogger(), [options.secretKey]);
  const stats = emptyWorkerStats();
  const connection = workerConnection(options.connection);
  const prefix = options.prefix ?? 'bull';
  const queue = new Queue(queueName, { connection, prefix });
  const sender =
    options.sender ??
    createHttpDelivery({
      baseUrl: options.baseUrl,
      publicKey: options.publicKey,
      secretKey: options.secretKey,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  const processor = createProcessor({
    sender,
    queue,
    stats,
    maxPauseMs: options.maxPauseMs ?? 300_000,
    warn: (details, message) => log.log('warn', { queue: queueName, ...details }, message),
    scrub: log.scrub,
  });
  const limiter = options.maxRequestsPerMinute
    ? limiterFor(options.maxRequestsPerMinute)
    : { max: 1_000_000, duration: 1000 };
  const worker = new Worker<JobPayload, ExportJobResult>(queueName, processor, {
    connection,
    prefix,
    name: options.name ?? `fusewire-worker-${process.pid}`,
    concurrency: options.concurrency ?? 4,
    // BullMQ honours a manual pause (Retry-After) only when a limiter is set: without a rate, a ceiling
    // no queue reaches.
    limiter: options.maxRequestsPerMinute
      ? limiterFor(options.maxRequestsPerMinute)
      : { max: 1_000_000, duration: 1000 },
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 15_000,
    maxStalledCount: options.maxStalledCount ?? 5,
  });
  const startedAt = Date.now();
  worker.on('completed', () => {
    stats.jobsCompleted++;
    stats.lastCompletedAt = Date.now();
  });
  worker.on('failed', (job, error) => {
    stats.jobsFailed++;
    const attempts = job?.opts.attempts ?? 1;
    const final = job === undefined || error.name === 'UnrecoverableError' || job.attemptsMade >= attempts;
    if (!final) return;
    // Non-retryable answers were counted by the processor; here only attempts used up.
    if (error.name !== 'UnrecoverableError') stats.eventsDeadLettered += job?.data?.eventIds?.length ?? 0;
    log.log(
      'warn',
      { queue: queueName, job: job?.id, events: job?.data?.eventIds?.length },
      `export job failed for good: ${error.message}`,
    );
  });
  const onError = (error: Error) =>
    log.once(
      `redis:${error.message}`,
      'error',
      { redis: describeConnection(options.connection) },
      `worker error: ${error.message}. Is Redis up?`,
    );
  worker.on('error', onError);
  queue.on('error', onError);

  const threshold = options.stallThresholdMs ?? 120_000;
  let closing: Promise<void> | undefined;
  return {
    queueName,
    worker,
    stats: () => ({ ...stats }),
    async isReady() {
      try {
        const client = await withTimeout(queue.getBackend().client, 1000);
        // Any answer proves the connection; a GET of a key nobody writes is the cheapest one.
        const answer = client
          ? await withTimeout(
              client.get(`${prefix}:${queueName}:fusewire-ping`).then(() => true),
              1000,
            )
          : undefined;
        return answer === true && worker.isRunning();
      } catch {
        return false;
      }
    },
    async isLive() {
      try {
        if (Date.now() - Math.max(stats.lastCompletedAt, startedAt) < threshold) return true;
        const waiting = await withTimeout(queue.getWaitingCount(), 2000);
        if (waiting === undefined) return true; // Redis trouble is readiness, not liveness.
        if (waiting === 0) return true;
        // Held by Langfuse's Retry-After (or the rate limit is used up): waiting is the right thing to do.
        return ((await withTimeout(queue.getRateLimitTtl(limiter.max), 2000)) ?? 1) > 0;
      } catch {
        return true;
      }
    },
    close() {
      closing ??= (async () => {
        for (const step of [() => worker.close(), () => queue.close(), () => sender.close()]) {
          try {
            await step();
          } catch {
            // Closing is best effort: a dead Redis must not turn shutdown into a crash.
          }
        }
      })();
      return closing;
    },
  };
}
