import type { FusewireStats } from '../pipeline/stats.js';
import type { StoreStats } from '../seams/store.js';

/**
 * Whether fusewire is getting events to Langfuse. For the app's dashboards and for an export
 * worker's probes — not for the app's own readiness: an app whose Langfuse is down should keep
 * serving (fusewire queues, retries and counts), so failing a readiness probe on it would turn a
 * tracing outage into an outage of the app.
 */
export interface FusewireHealth {
  /** `ok`; `degraded`: exports fail but are retried, or the queue is past half full; `failing`: nothing was delivered for `stallThresholdMs` while events wait, or the store is unusable. */
  status: 'ok' | 'degraded' | 'failing';
  /** Why the status is not `ok`, one sentence each. */
  reasons: string[];
  /** ISO time of the last export Langfuse accepted. */
  lastExportOkAt?: string;
  /** The most recent export problem (never contains a secret). */
  lastExportError?: { code: string; message: string; at: string };
  queue: { events: number; bytes: number; maxEvents: number; maxBytes: number };
  /** The event store's own view (a durable spool can report itself unusable). */
  store?: StoreStats;
}

/** Options of `client.health()`. */
export interface HealthOptions {
  /** How long events may wait with nothing delivered before the status is `failing`. Default 60000. */
  stallThresholdMs?: number;
}

/** What the ledger remembers for health: progress times, not counts (those are in stats). */
export class HealthTracker {
  lastExportOkAt: number | undefined;
  /** When delivery last made progress, or when events started waiting with none in flight before. */
  lastProgressAt = Date.now();

  exportSucceeded(): void {
    this.lastExportOkAt = Date.now();
    this.lastProgressAt = this.lastExportOkAt;
  }

  /** The queue went from empty to not empty: waiting starts now, not at the last delivery. */
  startedWaiting(): void {
    this.lastProgressAt = Date.now();
  }
}

export function computeHealth(
  stats: FusewireStats,
  tracker: HealthTracker,
  store: StoreStats | undefined,
  options: HealthOptions = {},
): FusewireHealth {
  const stallMs = options.stallThresholdMs ?? 60_000;
  const reasons: string[] = [];
  let status: FusewireHealth['status'] = 'ok';
  const fail = (reason: string) => {
    status = 'failing';
    reasons.push(reason);
  };
  const degrade = (reason: string) => {
    if (status === 'ok') status = 'degraded';
    reasons.push(reason);
  };
  const waitedMs = Date.now() - tracker.lastProgressAt;
  if (stats.pending > 0 && waitedMs > stallMs) {
    fail(`nothing delivered for ${Math.round(waitedMs / 1000)} s while ${stats.pending} events wait`);
  }
  if (store !== undefined && !store.healthy) fail(`the event store is unusable: ${store.error ?? 'unknown error'}`);
  if (stats.lastError !== undefined) degrade(`exports are failing and being retried: ${stats.lastError.message}`);
  const { queue } = stats;
  if (queue.size * 2 > queue.maxSize || queue.bytes * 2 > queue.maxBytes) {
    degrade(`the queue is past half full (${queue.size} events, ${queue.bytes} bytes)`);
  }
  return {
    status,
    reasons,
    ...(tracker.lastExportOkAt !== undefined && { lastExportOkAt: new Date(tracker.lastExportOkAt).toISOString() }),
    ...(stats.lastError !== undefined && { lastExportError: { ...stats.lastError } }),
    queue: { events: queue.size, bytes: queue.bytes, maxEvents: queue.maxSize, maxBytes: queue.maxBytes },
    ...(store !== undefined && { store }),
  };
}
