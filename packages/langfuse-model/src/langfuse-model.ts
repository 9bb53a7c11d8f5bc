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
  /** Every trace, in first-arrival order. */
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
  const spanRows = new Map<string, ObservationRow>();
  let events: unknown[] = [];
  let seq = 0;
  let batch: BatchState | undefined;
  let batchSeq = 0;

  const batchState = (): BatchState => {
    // Batch merge depends on every event's timestamp, so it is recomputed when events change.
    if (!batch || batchSeq !== seq) {
      batch = applyBatch(events, seq + 1, prices);
      batchSeq = seq;
    }
    return batch;
  };

  const ingestSpans = (spans: readonly DecodedSpan[]): void => {
    for (const span of spans) {
      // Replaced whole; Map.set on a known key keeps its first-arrival position.
      spanRows.set(span.spanId, rowFromSpan(span, ++seq, prices));
    }
  };

  const grouped = () => {
    const b = batchState();
    const byTrace = new Map<string, ObservationRow[]>();
    const add = (traceId: string, row?: ObservationRow) => {
      let list = byTrace.get(traceId);
      if (!list) byTrace.set(traceId, (list = []));
      if (row) list.push(row);
    };
    for (const row of spanRows.values()) add(row.traceId, row);
    for (const row of b.rows.values()) add(row.traceId, row);
    for (const id of b.traces.keys()) add(id);
    for (const id of b.scores.keys()) add(id);
    return { byTrace, b };
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
      seq++;
    },
    rows() {
      return [...spanRows.values(), ...batchState().rows.values()];
    },
    traces() {
      const { byTrace, b } = grouped();
      return [...byTrace].map(([id, rows]) => aggregateTrace(id, rows, b.traces.get(id), b.scores.get(id) ?? []));
    },
    trace(id) {
      const { byTrace, b } = grouped();
      const rows = byTrace.get(id);
      return rows ? aggregateTrace(id, rows, b.traces.get(id), b.scores.get(id) ?? []) : undefined;
    },
    reset() {
      spanRows.clear();
      events = [];
      seq = 0;
      batch = undefined;
    },
  };
}
