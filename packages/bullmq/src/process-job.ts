import { type Job, type JobsOptions, type Queue, UnrecoverableError, Worker } from 'bullmq';
import { jobIdFor } from './job-ids.js';
import { decodePayload, encodePayload, type JobPayload } from './job-payload.js';
import type { Delivery, ExportRequest } from './seam.js';
import { selectEvents, splitRequest } from './split-request.js';
import type { ExportWorkerStats } from './worker-stats.js';

/** The job name every export job has (Bull Board shows it). */
export const JOB_NAME = 'export';

export interface ProcessorDeps {
  sender: Delivery;
  queue: Queue;
  stats: ExportWorkerStats;
  /** Longest whole-queue pause a Retry-After may ask for. */
  maxPauseMs: number;
  warn(details: Record<string, unknown>, message: string): void;
  /** Removes secrets from text that goes into Redis (a failed job's reason). */
  scrub(text: string): string;
}

/** What a completed job returns (kept in the completed set, shown by Bull Board). */
export interface ExportJobResult {
  delivered: number;
  deadLettered?: number;
  split?: string[];
  retrying?: number;
}

const NEVER = new AbortController().signal;

function childOptions(job: Job, jobId: string): JobsOptions {
  const { attempts, backoff, removeOnComplete, removeOnFail } = job.opts;
  return { jobId, attempts, backoff, removeOnComplete, removeOnFail } as JobsOptions;
}

async function addRequest(queue: Queue, job: Job, request: ExportRequest, deadLetter?: JobPayload['deadLetter']) {
  const payload = await encodePayload(request, Number.POSITIVE_INFINITY);
  if (payload === undefined) throw new Error('could not encode a derived request');
  const jobId = jobIdFor(request.id);
  const options = childOptions(job, jobId);
  // A dead letter is failed on its first run, so it lands in the failed set with the server's message.
  if (deadLetter) options.attempts = 1;
  await queue.add(JOB_NAME, deadLetter ? { ...payload, deadLetter } : payload, options);
  return jobId;
}

/** Groups a 207's refused entries by message: one dead-letter job per distinct reason. */
function byMessage(rejected: Array<{ id: string; status: number; message: string }>) {
  const groups = new Map<string, { status: number; message: string; ids: string[] }>();
  for (const r of rejected) {
    const key = `${r.status} ${r.message}`;
    const group = groups.get(key) ?? { status: r.status, message: r.message, ids: [] };
    group.ids.push(r.id);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * The BullMQ processor: decode the job, send it with the same HTTP delivery the app would use, and turn
 * the answer into queue actions. Throwing an Error retries with backoff; UnrecoverableError goes straight
 * to the failed set (the dead letter); RateLimitError puts the job back after pausing the whole queue.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { sender, queue, stats } = deps;
  return async (job: Job<JobPayload>, _token?: string, signal?: AbortSignal): Promise<ExportJobResult> => {
    const payload = job.data;
    if (payload?.deadLetter) {
      stats.eventsDeadLettered += payload.eventIds.length;
      throw new UnrecoverableError(`Langfuse refused ${payload.eventIds.length} events: ${payload.deadLetter.message}`);
    }
    let request: ExportRequest;
    try {
      request = await decodePayload(payload);
    } catch (error) {
      throw new UnrecoverableError(`unreadable job payload: ${(error as Error).message}`);
    }
    stats.requests++;
    const result = await sender.send(request, signal ?? NEVER);
    switch (result.kind) {
      case 'delivered':
      case 'handed_off':
        stats.eventsDelivered += request.eventIds.length;
        return { delivered: request.eventIds.length };
      case 'partially_rejected': {
        // A count that names no event (OTLP partialSuccess): the rest were stored; nothing to retry.
        const stored = request.eventIds.length - result.rejected;
        stats.eventsDelivered += stored;
        stats.eventsDeadLettered += result.rejected;
        deps.warn(
          { status: result.status, rejected: result.rejected },
          deps.scrub(`${result.code}: ${result.message}`),
        );
        return { delivered: stored, deadLettered: result.rejected };
      }
      case 'rejected':
        stats.eventsDeadLettered += request.eventIds.length;
        throw new UnrecoverableError(deps.scrub(`${result.code}: ${result.message}`));
      case 'too_large': {
        const halves = splitRequest(request);
        if (halves === undefined) {
          stats.eventsDeadLettered += request.eventIds.length;
          throw new UnrecoverableError('too_large: Langfuse answered 413 and the request cannot be split further');
        }
        stats.splits++;
        const split = [await addRequest(queue, job, halves[0]), await addRequest(queue, job, halves[1])];
        return { delivered: 0, split };
      }
      case 'retryable':
        if (result.retryAfterMs !== undefined && result.retryAfterMs > 0) {
          // The server speaks for the whole project: every worker waits, and the job keeps its attempts.
          const pause = Math.min(result.retryAfterMs, deps.maxPauseMs);
          stats.queuePauses++;
          deps.warn({ status: result.status, pauseMs: pause }, `Langfuse asked to wait (${result.code}): queue paused`);
          await queue.rateLimit(pause);
          throw Worker.RateLimitError();
        }
        throw new Error(deps.scrub(`${result.code}: ${result.message}`));
      case 'partial': {
        stats.eventsDelivered += result.delivered.length;
        let deadLettered = 0;
        for (const group of byMessage(result.rejected)) {
          const dead = selectEvents(request, group.ids, 'x');
          if (dead === undefined) continue;
          deadLettered += dead.eventIds.length;
          await addRequest(queue, job, dead, { status: group.status, message: deps.scrub(group.message) });
        }
        const rest = result.retry.length > 0 ? selectEvents(request, result.retry, 'r') : undefined;
        if (rest === undefined) return { delivered: result.delivered.length, deadLettered };
        // Only the entries that got a 5xx go round again, with this job's backoff and attempts.
        const next = await encodePayload(rest, Number.POSITIVE_INFINITY);
        if (next) await job.updateData(next);
        throw new Error(`PARTIAL: ${rest.eventIds.length} events got a 5xx inside a 207; retrying only those`);
      }
    }
  };
}
