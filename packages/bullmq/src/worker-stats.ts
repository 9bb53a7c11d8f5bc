/** What one worker process did since it started (events are counted by the ids a job carries). */
export interface ExportWorkerStats {
  /** Jobs finished here: delivered, split, or sent on to the dead letter. */
  jobsCompleted: number;
  /** Jobs that failed an attempt here (they retry with backoff, or end in the failed set). */
  jobsFailed: number;
  /** HTTP requests sent to Langfuse. */
  requests: number;
  /** Events Langfuse stored. */
  eventsDelivered: number;
  /** Events put in the failed set for good (non-retryable answers, too large, attempts used up). */
  eventsDeadLettered: number;
  /** 429 / 503 answers with Retry-After that paused the whole queue. */
  queuePauses: number;
  /** 413 answers that split a job in two. */
  splits: number;
  /** `Date.now()` of the last completed job, 0 before the first. */
  lastCompletedAt: number;
}

export function emptyWorkerStats(): ExportWorkerStats {
  return {
    jobsCompleted: 0,
    jobsFailed: 0,
    requests: 0,
    eventsDelivered: 0,
    eventsDeadLettered: 0,
    queuePauses: 0,
    splits: 0,
    lastCompletedAt: 0,
  };
}
