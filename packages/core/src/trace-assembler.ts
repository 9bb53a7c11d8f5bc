import { traceCarrierSpanId } from './ids.js';
import {
  attributeText,
  type OtlpAttribute,
  observationAttributes,
  toNanos,
  traceAttributes,
} from './otlp-attributes.js';
import type { ExportRecord, ObservationRecord, TraceFields, TraceRecord } from './records.js';

/** One span in OTLP/JSON form. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: { code: number; message?: string };
}

/** The root span already sent for a trace, re-sent (same id, same times) to update the trace. */
interface Anchor {
  spanId: string;
  name: string;
  type: string;
  start: number;
  end: number;
  input?: string;
  output?: string;
}

interface TraceState {
  fields: TraceFields;
  timestamp: number;
  anchor?: Anchor;
}

const SPAN_KIND_INTERNAL = 1;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;
// Small enough to keep per remembered trace, large enough for typical prompts.
const ANCHOR_IO_LIMIT = 4096;

/**
 * Langfuse has no way to update a trace without an observation: trace fields ride on a
 * span. This puts them on the trace's root span; failing that, re-sends the root span
 * already exported (Langfuse upserts by span id, so nothing is added); failing that,
 * holds the update briefly for the root to arrive, and only then sends a carrier span.
 */
export class TraceAssembler {
  readonly #states = new Map<string, TraceState>();
  readonly #capacity: number;
  readonly #holdMs: number;

  constructor(options: { capacity: number; holdMs: number }) {
    this.#capacity = options.capacity;
    this.#holdMs = options.holdMs;
  }

  prepare(records: ExportRecord[], final: boolean, now: number): { ready: ExportRecord[]; held: ExportRecord[] } {
    if (final || !records.some((r) => r.kind === 'trace')) return { ready: records, held: [] };
    const rooted = new Set<string>();
    for (const r of records) if (r.kind === 'observation' && r.parentId === undefined) rooted.add(r.traceId);
    const ready: ExportRecord[] = [];
    const held: ExportRecord[] = [];
    for (const r of records) {
      if (r.kind === 'trace' && !rooted.has(r.traceId) && this.#states.get(r.traceId)?.anchor === undefined) {
        r.heldSince ??= now;
        if (now - r.heldSince < this.#holdMs) {
          held.push(r);
          continue;
        }
      }
      ready.push(r);
    }
    return { ready, held };
  }

  spans(records: ExportRecord[]): OtlpSpan[] {
    const updated = new Map<string, TraceState>();
    for (const r of records) {
      if (r.kind !== 'trace') continue;
      const state = this.#merge(r);
      updated.set(r.traceId, state);
    }
    const spans: OtlpSpan[] = [];
    for (const r of records) {
      if (r.kind !== 'observation') continue;
      const attributes = observationAttributes(r);
      if (r.parentId === undefined) {
        const state = this.#touch(r.traceId, r.startTime);
        attributes.push(...traceAttributes(state.fields, r.version !== undefined));
        state.anchor ??= anchorOf(r);
        updated.delete(r.traceId);
      }
      spans.push(toSpan(r, attributes));
    }
    for (const [traceId, state] of updated) {
      state.anchor ??= carrierOf(traceId, state);
      spans.push(anchorSpan(traceId, state.anchor, state.fields));
    }
    return spans;
  }

  #merge(r: TraceRecord): TraceState {
    const state = this.#touch(r.traceId, r.timestamp);
    Object.assign(state.fields, r.fields);
    return state;
  }

  #touch(traceId: string, timestamp: number): TraceState {
    let state = this.#states.get(traceId);
    if (state !== undefined) {
      this.#states.delete(traceId);
    } else {
      state = { fields: {}, timestamp };
      if (this.#states.size >= this.#capacity) {
        const oldest = this.#states.keys().next().value;
        if (oldest !== undefined) this.#states.delete(oldest);
      }
    }
    this.#states.set(traceId, state);
    return state;
  }
}

function toSpan(o: ObservationRecord, attributes: OtlpAttribute[]): OtlpSpan {
  const span: OtlpSpan = {
    traceId: o.traceId,
    spanId: o.id,
    name: o.name ?? o.type,
    kind: SPAN_KIND_INTERNAL,
    startTimeUnixNano: toNanos(o.startTime),
    endTimeUnixNano: toNanos(o.endTime ?? o.startTime),
    attributes,
    status:
      o.level === 'ERROR'
        ? { code: STATUS_ERROR, ...(o.statusMessage !== undefined ? { message: o.statusMessage } : {}) }
        : { code: STATUS_UNSET },
  };
  if (o.parentId !== undefined) span.parentSpanId = o.parentId;
  return span;
}

function small(json: string | undefined): string | undefined {
  return json !== undefined && json.length <= ANCHOR_IO_LIMIT ? json : undefined;
}

function anchorOf(o: ObservationRecord): Anchor {
  const anchor: Anchor = { spanId: o.id, name: o.name ?? o.type, type: o.type, start: o.startTime, end: o.endTime ?? o.startTime };
  const input = small(o.input);
  const output = small(o.output);
  if (input !== undefined) anchor.input = input;
  if (output !== undefined) anchor.output = output;
  return anchor;
}

function carrierOf(traceId: string, state: TraceState): Anchor {
  return {
    spanId: traceCarrierSpanId(traceId),
    name: state.fields.name ?? 'trace',
    type: 'span',
    start: state.timestamp,
    end: state.timestamp,
  };
}

function anchorSpan(traceId: string, anchor: Anchor, fields: TraceFields): OtlpSpan {
  const attributes: OtlpAttribute[] = [{ key: 'langfuse.observation.type', value: { stringValue: anchor.type } }];
  // Repeat what the root carried, so re-sending it changes nothing but the trace fields.
  if (anchor.input !== undefined)
    attributes.push({ key: 'langfuse.observation.input', value: { stringValue: attributeText(anchor.input) } });
  if (anchor.output !== undefined)
    attributes.push({ key: 'langfuse.observation.output', value: { stringValue: attributeText(anchor.output) } });
  attributes.push(...traceAttributes(fields, false));
  return {
    traceId,
    spanId: anchor.spanId,
    name: anchor.name,
    kind: SPAN_KIND_INTERNAL,
    startTimeUnixNano: toNanos(anchor.start),
    endTimeUnixNano: toNanos(anchor.end),
    attributes,
    status: { code: STATUS_UNSET },
  };
}
