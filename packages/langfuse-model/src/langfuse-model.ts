import { aggregateTrace } from './aggregate-trace.js';
import { applyBatch, type BatchState } from './ingestion-rows.js';
import { decodeOtlpRequest } from './otlp-request.js';
import { DEFAULT_PRICES } from './prices.js';
import { rowFromSpan } from './row-from-span.js';
import type { DecodedSpan, LangfuseModelOptions, ObservationRow, TraceView } from './types.js';

/** What Langfuse v4 would store and show, fed with what a server received. */
export interface LangfuseModel {
  /** An OTLP/JSON `ExportTraceServiceRequest` (parsed). Returns how many spans it held. */
  ingestOtlp(request: unknown): number;
  /** Spans already decoded (e.g. from protobuf). A span id seen before replaces its row whole. */
  ingestSpans(spans: readonly DecodedSpan[]): void;
  /** Accepted `/api/public/ingestion` batch events (envelopes). Re-sent envelope ids count once. */
  ingestBatch(events: readonly unknown[]): void;
  /** Every observation row, in first-arrival order. */
  rows(): ObservationRow[];
  /** Every trace, in first-arrival order. Views are cached until their trace changes: read, do not mutate. */
  traces(): TraceView[];
  trace(id: string): TraceView | undefined;
  /** Forget everything. */
  reset(): void;
}

/**
 * A model of Langfuse v4's observation-first storage: one row per span id (a re-sent span replaces its
 * row whole), traces aggregated over their rows as Langfuse's trace query does (name, environment,
 * release, version, user, session and tags: the latest non-empty value over all rows; input, output
 * and metadata: the latest root row's; public: any row; timestamp: earliest start; cost: the sum),
 * usage converted and environments normalised as Langfuse's ingestion schema does. Zero dependencies.
 *
 * @example
 * ```ts
 * import { createLangfuseModel, formatTree } from '@fusewire/langfuse-model';
 *
 * const model = createLangfuseModel();
 * model.ingestOtlp(JSON.parse(requestBody));
 * console.log(formatTree(model.traces()));
 * ```
 */
export function createLangfuseModel(options: LangfuseModelOptions = {}): LangfuseModel {
  const prices = options.prices ?? DEFAULT_PRICES;
  // Rows by trace, traces in first-arrival order; a trace's view is recomputed only once it changed,
  // so polling traces() (a test's waitFor) costs nothing while nothing arrives.
  const spanRows = new Map<string, Map<string, ObservationRow>>();
  const order = new Set<string>();
  const views = new Map<string, TraceView>();
  const dirty = new Set<string>();
  let events: unknown[] = [];
  let seq = 0;
  let batch: BatchState = applyBatch([], 0, prices);
  let batchStale = false;

  const touch = (traceId: string) => {
    order.add(traceId);
    dirty.add(traceId);
  };

  const batchState = (): BatchState => {
    // Batch merge depends on every event's timestamp, so it is recomputed when events change.
    if (batchStale) {
      const before = batch;
      batch = applyBatch(events, seq + 1, prices);
      batchStale = false;
      for (const b of [before, batch]) {
        for (const row of b.rows.values()) touch(row.traceId);
        for (const id of b.traces.keys()) touch(id);
        for (const id of b.scores.keys()) touch(id);
      }
    }
    return batch;
  };

  const ingestSpans = (spans: readonly DecodedSpan[]): void => {
    for (const span of spans) {
      let rows = spanRows.get(span.traceId);
      if (!rows) spanRows.set(span.traceId, (rows = new Map()));
      // Replaced whole; Map.set on a known key keeps its first-arrival position.
      rows.set(span.spanId, rowFromSpan(span, ++seq, prices));
      touch(span.traceId);
    }
  };

  const fresh = (): void => {
    const b = batchState();
    if (dirty.size === 0) return;
    const batchRows = new Map<string, ObservationRow[]>();
    for (const row of b.rows.values()) {
      if (!dirty.has(row.traceId)) continue;
      const list = batchRows.get(row.traceId);
      if (list) list.push(row);
      else batchRows.set(row.traceId, [row]);
    }
    for (const id of dirty) {
      const rows = [...(spanRows.get(id)?.values() ?? []), ...(batchRows.get(id) ?? [])];
      if (rows.length === 0 && !b.traces.has(id) && !b.scores.has(id)) {
        views.delete(id);
        order.delete(id);
      } else views.set(id, aggregateTrace(id, rows, b.traces.get(id), b.scores.get(id) ?? []));
    }
    dirty.clear();
  };

  return {
    ingestOtlp(request) {
      const spans = decodeOtlpRequest(request);
      ingestSpans(spans);
      return spans.length;
    },
    ingestSpans,
    ingestBatch(list) {
      for (const e of list) events.push(e);
      if (list.length > 0) batchStale = true;
    },
    rows() {
      const out: ObservationRow[] = [];
      for (const rows of spanRows.values()) out.push(...rows.values());
      return [...out, ...batchState().rows.values()];
    },
    traces() {
      fresh();
      return [...order].map((id) => views.get(id)!);
    },
    trace(id) {
      fresh();
      return views.get(id);
    },
    reset() {
      spanRows.clear();
      order.clear();
      views.clear();
      dirty.clear();
      events = [];
      seq = 0;
      batch = applyBatch([], 0, prices);
      batchStale = false;
    },
  };
}
