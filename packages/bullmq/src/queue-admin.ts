import { Queue } from 'bullmq';
import type { JobPayload } from './job-payload.js';
import { type RedisConnection, workerConnection } from './redis-connection.js';

/** A failed job as the operator sees it (never the body). */
export interface DeadLetterView {
  jobId: string;
  endpoint: string;
  events: number;
  attemptsMade: number;
  failedAt?: string;
  reason: string;
}

/** Queue-wide numbers, from Redis (every worker and app together). */
export interface QueueStatsView {
  queue: string;
  counts: Record<string, number>;
  paused: boolean;
  /** Time left in the current rate-limit window (or a Retry-After pause), ms; 0 when none. */
  rateLimitTtlMs: number;
  workers: number;
}

/** Operations on an export queue: what `fusewire-worker stats|dead-letters|replay` run. */
export function openQueueAdmin(connection: RedisConnection, queueName = 'fusewire', prefix = 'bull') {
  const queue = new Queue<JobPayload>(queueName, { connection: workerConnection(connection), prefix });
  queue.on('error', () => {});
  return {
    async stats(): Promise<QueueStatsView> {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed');
      const [paused, ttl, workers] = await Promise.all([
        queue.isPaused(),
        queue.getRateLimitTtl(),
        queue.getWorkersCount(),
      ]);
      return { queue: queueName, counts, paused, rateLimitTtlMs: Math.max(0, ttl), workers };
    },
    async deadLetters(limit = 50): Promise<DeadLetterView[]> {
      const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
      return jobs.map((job) => ({
        jobId: String(job.id),
        endpoint: job.data?.endpoint ?? '?',
        events: job.data?.eventIds?.length ?? 0,
        attemptsMade: job.attemptsMade,
        ...(job.finishedOn ? { failedAt: new Date(job.finishedOn).toISOString() } : {}),
        reason: job.failedReason,
      }));
    },
    /** Moves failed jobs (all, or the given ids) back to wait with fresh attempts. Returns how many. */
    async replay(ids?: string[]): Promise<number> {
      const jobs = ids?.length
        ? (await Promise.all(ids.map((id) => queue.getJob(id)))).filter((j) => j !== undefined)
        : await queue.getFailed(0, -1);
      let replayed = 0;
      for (const job of jobs) {
        if ((await job.getState()) !== 'failed') continue;
        // A dead letter split off a 207 fails on purpose; replayed, it is sent like any other job.
        if (job.data.deadLetter) {
          const { deadLetter: _, ...data } = job.data;
          await job.updateData(data as JobPayload);
        }
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        replayed++;
      }
      return replayed;
    },
    close: () => queue.close(),
  };
}
