import type { StoreCounters, StoredItem, StoredTrace } from './types.js';

/** Limits of the in-memory store: the oldest traces (by last update) go first. */
export interface TraceStoreLimits {
  maxTraces: number;
  maxBytes: number;
}

export type StoreChange = { type: 'updated'; trace: StoredTrace } | { type: 'evicted'; id: string };

/**
 * The latest traces in memory, bounded by count and by bytes (each item costs its JSON size). A span
 * re-sent with the same id replaces its earlier copy, as Langfuse v4 replaces the row; batch events are
 * kept as a list because Langfuse merges them. A Map keeps recency order, so eviction is O(1) per trace.
 */
export class TraceStore {
  readonly #limits: TraceStoreLimits;
  readonly #traces = new Map<string, StoredTrace>();
  readonly #listeners = new Set<(change: StoreChange) => void>();
  #bytes = 0;
  #spans = 0;
  #events = 0;
  #evicted = 0;

  constructor(limits: TraceStoreLimits) {
    this.#limits = limits;
  }

  /** Add what one request carried for one trace. */
  add(traceId: string, items: StoredItem[]): void {
    if (items.length === 0) return;
    const now = items[0]!.receivedAt;
    let trace = this.#traces.get(traceId);
    if (trace) {
      this.#traces.delete(traceId); // re-inserted below: most recent last
    } else {
      trace = {
        id: traceId,
        firstReceivedAt: now,
        lastReceivedAt: now,
        version: 0,
        bytes: 0,
        spans: new Map(),
        events: [],
      };
    }
    for (const item of items) {
      if (item.kind === 'span') {
        const spanId = item.span.spanId;
        const earlier = trace.spans.get(spanId);
        if (earlier) {
          trace.bytes -= earlier.bytes;
          this.#bytes -= earlier.bytes;
          trace.spans.delete(spanId);
        } else {
          this.#spans++;
        }
        trace.spans.set(spanId, item);
      } else {
        this.#events++;
        trace.events.push(item);
      }
      trace.bytes += item.bytes;
      this.#bytes += item.bytes;
    }
    trace.lastReceivedAt = now;
    trace.version++;
    this.#traces.set(traceId, trace);
    this.#emit({ type: 'updated', trace });
    this.#evict(traceId);
  }

  get(traceId: string): StoredTrace | undefined {
    return this.#traces.get(traceId);
  }

  /** Most recently updated first. */
  list(): StoredTrace[] {
    return [...this.#traces.values()].reverse();
  }

  clear(): void {
    for (const id of [...this.#traces.keys()]) this.#remove(id, false);
  }

  counters(): StoreCounters {
    return {
      traces: this.#traces.size,
      bytes: this.#bytes,
      spans: this.#spans,
      events: this.#events,
      evictedTraces: this.#evicted,
    };
  }

  /** Listen to changes; returns the function that stops listening. */
  subscribe(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #evict(keep: string): void {
    const { maxTraces, maxBytes } = this.#limits;
    for (const id of this.#traces.keys()) {
      if (this.#traces.size <= maxTraces && this.#bytes <= maxBytes) return;
      // The trace just written stays even when it alone is over the byte limit: it is what the user looks at.
      if (id === keep) continue;
      this.#remove(id, true);
    }
  }

  #remove(id: string, evicted: boolean): void {
    const trace = this.#traces.get(id);
    if (!trace) return;
    this.#traces.delete(id);
    this.#bytes -= trace.bytes;
    this.#spans -= trace.spans.size;
    this.#events -= trace.events.length;
    if (evicted) this.#evicted++;
    this.#emit({ type: 'evicted', id });
  }

  #emit(change: StoreChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A listener (an SSE client) must not break intake.
      }
    }
  }
}
