import { DROP_REASONS, type DropReason } from '../model/records.js';

/**
 * A snapshot of the pipeline. It always balances:
 * `enqueued === delivered + pending + sum(dropped)`.
 */
export interface FusewireStats {
  /** Every message fusewire was handed, including ones it refused. */
  enqueued: number;
  /** Accepted by Langfuse. */
  delivered: number;
  /** Waiting, in flight or waiting for a retry. */
  pending: number;
  /** Not delivered, by reason. */
  dropped: Record<DropReason, number>;
  /** Export attempts that were retried. */
  retries: number;
  /** Batches sent (first attempts and retries). */
  requests: number;
  /** Request bytes sent. */
  bytesSent: number;
  /** Records currently held in the dead-letter list. */
  deadLetters: number;
  /** The most recent export problem, if any (never contains a secret). */
  lastError?: { code: string; message: string; at: string };
  /** Queue limits and current use (with a store that bounds itself, only what is held in memory). */
  queue: { size: number; bytes: number; maxSize: number; maxBytes: number };
}

/** Mutable counters behind {@link FusewireStats}. */
export class Counters {
  enqueued = 0;
  delivered = 0;
  retries = 0;
  requests = 0;
  bytesSent = 0;
  readonly dropped: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<
    DropReason,
    number
  >;
  lastError: FusewireStats['lastError'];

  setError(code: string, message: string): void {
    this.lastError = { code, message, at: new Date().toISOString() };
  }
}

export function emptyStats(): FusewireStats {
  const c = new Counters();
  return {
    enqueued: 0,
    delivered: 0,
    pending: 0,
    dropped: { ...c.dropped },
    retries: 0,
    requests: 0,
    bytesSent: 0,
    deadLetters: 0,
    queue: { size: 0, bytes: 0, maxSize: 0, maxBytes: 0 },
  };
}
