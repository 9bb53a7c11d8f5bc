import type { FusewireLogger } from '@fusewire/core';
import { Queue } from 'bullmq';
import { jobIdFor } from './job-ids.js';
import { encodePayload } from './job-payload.js';
import { JOB_NAME } from './process-job.js';
import { describeConnection, producerConnection, type RedisConnection } from './redis-connection.js';
import type { Delivery, DeliveryResult, ExportRequest } from './seam.js';
import { withTimeout } from './with-timeout.js';
import { createStderrLogger, safeLogger } from './worker-logger.js';

/** Options of {@link bullmqDelivery}. */
export interface BullmqDeliveryOptions {
  /** Redis: a `redis://` URL, ioredis options, or an ioredis client. */
  connection: RedisConnection;
  /** Default `'fusewire'`: the workers' `queueName`. */
  queueName?: string;
  /** BullMQ key prefix. Default `'bull'`. */
  prefix?: string;
  /** Largest job payload (compressed body + ids). A larger request is answered `too_large`, so core splits it. Default 4 MiB. */
  maxJobBytes?: number;
  /** Attempts per job at the workers. Default 12. */
  attempts?: number;
  /** First retry delay at the workers; doubles each attempt, with 50 % jitter. Default 1000 ms. */
  backoffMs?: number;
  /** How long one enqueue may take before the request stays local and is retried. Default 3000 ms. */
  enqueueTimeoutMs?: number;
  /** Completed jobs kept (their ids dedupe a repeated enqueue). Default: an hour, at most 1000. */
  keepCompleted?: { age?: number; count?: number };
  /** Failed jobs kept: the dead letter. Default: 7 days, at most 10 000. */
  keepFailed?: { age?: number; count?: number };
  /** Where the one-line warnings go. Default: stderr. */
  logger?: FusewireLogger;
}

/** Counters of the app side. */
export interface BullmqDeliveryStats {
  /** Requests (jobs) handed to the queue. */
  handedOff: number;
  /** Events those jobs carry. */
  eventsHandedOff: number;
  /** Enqueues that failed or timed out (the request stayed local and is retried). */
  enqueueFailures: number;
  /** Requests refused as larger than `maxJobBytes` (core splits them). */
  tooLarge: number;
  /** False after a failed enqueue, until one succeeds again. */
  redisAvailable: boolean;
  lastError?: string;
}

/** The app-side delivery: see {@link bullmqDelivery}. */
export interface BullmqDelivery extends Delivery {
  readonly queueName: string;
  stats(): BullmqDeliveryStats;
}

const REDIS_RETRY_MS = 1000;

function errorCode(message: string): string {
  if (/\bOOM\b/.test(message)) return 'REDIS_OOM';
  if (/READONLY|LOADING|MASTERDOWN/.test(message)) return 'REDIS_NOT_WRITABLE';
  return 'REDIS_UNAVAILABLE';
}

/**
 * A delivery that hands each assembled export request to a BullMQ queue on Redis instead of sending
 * it: the app needs no Langfuse keys and never waits on Langfuse; `fusewire-worker` processes ship the
 * jobs. While Redis is unreachable, restarting or out of memory, `send` answers "retry later" at once,
 * so the events stay in the app's local store and flow again when Redis is back. Never throws.
 *
 * @example
 * ```ts
 * import { createFusewire } from '@fusewire/core';
 * import { bullmqDelivery } from '@fusewire/bullmq';
 *
 * const fusewire = createFusewire({
 *   delivery: bullmqDelivery({ connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }),
 * });
 * ```
 */
export function bullmqDelivery(options: BullmqDeliveryOptions): BullmqDelivery {
  const queueName = options.queueName ?? 'fusewire';
  const where = describeConnection(options.connection);
  const log = safeLogger(options.logger ?? createStderrLogger('fusewire'), []);
  const maxJobBytes = options.maxJobBytes ?? 4 * 1024 * 1024;
  const timeoutMs = options.enqueueTimeoutMs ?? 3000;
  const jobOptions = {
    attempts: options.attempts ?? 12,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1000, jitter: 0.5 },
    removeOnComplete: { age: 3600, count: 1000, ...options.keepCompleted },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000, ...options.keepFailed },
  };
  const stats: BullmqDeliveryStats = {
    handedOff: 0,
    eventsHandedOff: 0,
    enqueueFailures: 0,
    tooLarge: 0,
    redisAvailable: true,
  };
  let queue: Queue | undefined;
  let closed = false;
  const getQueue = () => {
    if (queue === undefined) {
      queue = new Queue(queueName, {
        connection: producerConnection(options.connection),
        prefix: options.prefix ?? 'bull',
      });
      // Without a listener an 'error' event would throw into the app; connection trouble shows in send().
      queue.on('error', () => {});
    }
    return queue;
  };

  const failed = (message: string): DeliveryResult => {
    stats.enqueueFailures++;
    stats.lastError = message;
    if (stats.redisAvailable) {
      stats.redisAvailable = false;
      log.log(
        'warn',
        { redis: where, queue: queueName },
        `Redis unavailable (${message}): events stay in the local store and go to the queue when Redis is back. Check REDIS_URL and that Redis runs and has memory.`,
      );
    }
    // A Redis outage is not Langfuse failing: the hint makes core wait without spending its retry budget,
    // so events stay in the bounded local store (or the spool) however long Redis is away.
    return {
      kind: 'retryable',
      code: errorCode(message),
      message: `could not enqueue on ${where}: ${message}`,
      retryAfterMs: REDIS_RETRY_MS,
    };
  };

  return {
    name: 'bullmq',
    needsCredentials: false,
    queueName,
    stats: () => ({ ...stats }),
    async send(request: ExportRequest, signal: AbortSignal): Promise<DeliveryResult> {
      if (closed) return { kind: 'retryable', code: 'CLOSED', message: 'the BullMQ delivery is closed' };
      try {
        const payload = await encodePayload(request, maxJobBytes);
        if (payload === undefined) {
          stats.tooLarge++;
          return { kind: 'too_large' };
        }
        const added = await withTimeout(
          getQueue().add(JOB_NAME, payload, { ...jobOptions, jobId: jobIdFor(request.id) }),
          timeoutMs,
          signal,
        );
        if (added === undefined) return failed(signal.aborted ? 'aborted' : `no answer within ${timeoutMs} ms`);
        stats.handedOff++;
        stats.eventsHandedOff += request.eventIds.length;
        if (!stats.redisAvailable) {
          stats.redisAvailable = true;
          log.log(
            'warn',
            { redis: where, queue: queueName, failures: stats.enqueueFailures },
            'Redis is back: exports flow to the queue again',
          );
        }
        return { kind: 'handed_off', to: `bullmq:${queueName}` };
      } catch (error) {
        return failed(error instanceof Error ? error.message : String(error));
      }
    },
    async close() {
      closed = true;
      const q = queue;
      if (q === undefined) return;
      // As fast as Redis: a dead Redis must not hold shutdown up.
      const done = await withTimeout(
        q.close().then(() => true),
        1000,
      );
      if (done === undefined) {
        await withTimeout(q.disconnect(), 500);
      }
    },
  };
}
