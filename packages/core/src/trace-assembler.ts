import { traceCarrierSpanId } from './ids.js';
import {
  type AttributeList,
  observationAttributes,
  toNanos,
  traceAttributes,
  typeAttribute,
} from './otlp-attributes.js';
import type { ExportRecord, ObservationRecord, TraceFields, TraceRecord } from './records.js';

/**
 * The root span already sent for a trace, re-sent (same id, same times) to update the trace.
 * It keeps the root's own attributes and status whole: Langfuse rebuilds the observation from
 * each copy it gets (a missing level reads as DEFAULT, missing input/output as null).
 */
interface Anchor {
  spanId: string;
  name: string;
  start: number;
  end: number;
  /** The observation's attributes, without trace attributes. */
  attributes: AttributeList;
  status: string;
  /** The root's own version and environment, which win over the trace's. */
  own: { version?: string | undefined; environment?: string | undefined };
}

interface TraceState {
  fields: TraceFields;
  timestamp: number;
  anchor?: Anchor;
  /** Payload characters this state holds (trace fields and anchor attributes). */
  bytes: number;
}

/** Spans as OTLP/JSON text, plus the records that could not be written. */
export interface AssembledSpans {
  spans: string[];
  invalid: Array<{ record: ExportRecord; message: string }>;
}

const STATUS_UNSET = '{"code":0}';
// Trace fields are kept whole (a re-sent root restates the trace), so the remembered traces
// get a byte budget too: without it 10,000 traces with large inputs held gigabytes.
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

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
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options: { capacity: number; holdMs: number; maxBytes?: number }) {
    this.#capacity = options.capacity;
    this.#holdMs = options.holdMs;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
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

  spans(records: ExportRecord[]): AssembledSpans {
    const updated = new Map<string, TraceState>();
    for (const r of records) {
      if (r.kind === 'trace') updated.set(r.traceId, this.#merge(r));
    }
    const touched = new Set(updated.values());
    const spans: string[] = [];
    const invalid: AssembledSpans['invalid'] = [];
    for (const r of records) {
      if (r.kind !== 'observation') continue;
      // One malformed span makes Langfuse reject the whole request: check each one. Ids are
      // canonical by construction (ids.ts), so the length check is the cheap guard for that.
      if (r.traceId.length !== 32 || r.id.length !== 16 || (r.parentId !== undefined && r.parentId.length !== 16)) {
        invalid.push({ record: r, message: 'span has a malformed trace, span or parent id' });
        continue;
      }
      const attributes: AttributeList = [];
      observationAttributes(r, attributes);
      if (r.parentId === undefined) {
        const state = this.#state(r.traceId, r.startTime);
        // The latest copy of the root is what a re-send must repeat.
        if (state.anchor === undefined || state.anchor.spanId === r.id) state.anchor = anchorOf(r, attributes);
        traceAttributes(state.fields, r, attributes);
        touched.add(state);
        updated.delete(r.traceId);
      }
      spans.push(observationSpan(r, attributes));
    }
    for (const [traceId, state] of updated) {
      state.anchor ??= carrierOf(traceId, state);
      spans.push(anchorSpan(traceId, state.anchor, state.fields));
    }
    this.#reweigh(touched);
    return { spans, invalid };
  }

  /** Re-weighs the states this batch changed, then forgets the oldest while over the byte budget. */
  #reweigh(touched: Set<TraceState>): void {
    for (const state of touched) {
      const bytes = weigh(state);
      this.#bytes += bytes - state.bytes;
      state.bytes = bytes;
    }
    for (const [traceId, state] of this.#states) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#states.delete(traceId);
      this.#bytes -= state.bytes;
    }
  }

  /** Traces remembered now (for tests). */
  get size(): number {
    return this.#states.size;
  }

  #merge(r: TraceRecord): TraceState {
    const state = this.#state(r.traceId, r.timestamp);
    Object.assign(state.fields, r.fields);
    return state;
  }

  /** Remembered per trace (bounded, oldest forgotten first): its fields and its root span. */
  #state(traceId: string, timestamp: number): TraceState {
    let state = this.#states.get(traceId);
    if (state === undefined) {
      if (this.#states.size >= this.#capacity) {
        const oldest = this.#states.entries().next().value;
        if (oldest !== undefined) {
          this.#states.delete(oldest[0]);
          this.#bytes -= oldest[1].bytes;
        }
      }
      state = { fields: {}, timestamp, bytes: 0 };
      this.#states.set(traceId, state);
    }
    return state;
  }
}

function spanJson(
  traceId: string,
  spanId: string,
  parentId: string | undefined,
  name: string,
  start: number,
  end: number,
  attributes: AttributeList,
  status: string,
): string {
  const parent = parentId !== undefined ? `,"parentSpanId":"${parentId}"` : '';
  return `{"traceId":"${traceId}","spanId":"${spanId}"${parent},"name":${JSON.stringify(name)},"kind":1,"startTimeUnixNano":"${toNanos(start)}","endTimeUnixNano":"${toNanos(end)}","attributes":[${attributes.join(',')}],"status":${status}}`;
}

function statusOf(o: ObservationRecord): string {
  if (o.level !== 'ERROR') return STATUS_UNSET;
  return o.statusMessage !== undefined ? `{"code":2,"message":${JSON.stringify(o.statusMessage)}}` : '{"code":2}';
}

function observationSpan(o: ObservationRecord, attributes: AttributeList): string {
  return spanJson(o.traceId, o.id, o.parentId, o.name ?? o.type, o.startTime, o.endTime ?? o.startTime, attributes, statusOf(o));
}

const len = (s: string | undefined) => (s === undefined ? 0 : s.length);

function weigh(state: TraceState): number {
  const f = state.fields;
  let bytes = len(f.input) + len(f.output) + len(f.metadata) + len(f.name);
  for (const a of state.anchor?.attributes ?? []) bytes += a.length;
  return bytes;
}

function anchorOf(o: ObservationRecord, attributes: AttributeList): Anchor {
  return {
    spanId: o.id,
    name: o.name ?? o.type,
    start: o.startTime,
    end: o.endTime ?? o.startTime,
    attributes: attributes.slice(),
    status: statusOf(o),
    own: { version: o.version, environment: o.environment },
  };
}

function carrierOf(traceId: string, state: TraceState): Anchor {
  return {
    spanId: traceCarrierSpanId(traceId),
    name: state.fields.name ?? 'trace',
    start: state.timestamp,
    end: state.timestamp,
    attributes: [typeAttribute('span')],
    status: STATUS_UNSET,
    own: {},
  };
}

function anchorSpan(traceId: string, anchor: Anchor, fields: TraceFields): string {
  // Repeat what the root carried, so re-sending it changes nothing but the trace fields.
  const attributes = anchor.attributes.slice();
  traceAttributes(fields, anchor.own, attributes);
  return spanJson(traceId, anchor.spanId, undefined, anchor.name, anchor.start, anchor.end, attributes, anchor.status);
}
