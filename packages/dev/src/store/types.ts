/** One OTLP span as received, with the resource and scope it came under (OTLP/JSON shape). */
export interface StoredSpan {
  kind: 'span';
  /** The span object from `resourceSpans[].scopeSpans[].spans[]`. */
  span: Record<string, unknown> & { traceId: string; spanId: string };
  resource?: Record<string, unknown>;
  scope?: Record<string, unknown>;
  /** When it arrived (epoch ms). */
  receivedAt: number;
  bytes: number;
}

/** One event of the legacy batch API (`/api/public/ingestion`), as received. */
export interface StoredEvent {
  kind: 'event';
  event: { id: string; type: string; timestamp: string; body: Record<string, unknown>; metadata?: unknown };
  receivedAt: number;
  bytes: number;
}

export type StoredItem = StoredSpan | StoredEvent;

/** What the server holds for one trace: everything received for it. */
export interface StoredTrace {
  id: string;
  firstReceivedAt: number;
  lastReceivedAt: number;
  /** Bumped on every change: caches of the assembled trace key on it. */
  version: number;
  bytes: number;
  /** The latest copy of each span, by span id, in the order their latest copies arrived. */
  spans: Map<string, StoredSpan>;
  /** Batch API events in arrival order. */
  events: StoredEvent[];
}

/** Counters of the store, for the page header and `GET /api/dev/stats`. */
export interface StoreCounters {
  traces: number;
  bytes: number;
  spans: number;
  events: number;
  /** Traces removed to stay under `maxTraces` / `maxBytes`. */
  evictedTraces: number;
}
