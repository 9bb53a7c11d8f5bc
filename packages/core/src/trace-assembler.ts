import { traceCarrierSpanId } from './ids.js';
import {
  type AttributeList,
  ioAttributes,
  observationAttributes,
  toNanos,
  traceAttributes,
  typeAttribute,
} from './otlp-attributes.js';
import type { ExportRecord, ObservationRecord, TraceFields, TraceRecord } from './records.js';

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

/** Spans as OTLP/JSON text, plus the records that could not be written. */
export interface AssembledSpans {
  spans: string[];
  invalid: Array<{ record: ExportRecord; message: string }>;
}

const STATUS_UNSET = '{"code":0}';
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

  spans(records: ExportRecord[]): AssembledSpans {
    const updated = new Map<string, TraceState>();
    for (const r of records) {
      if (r.kind === 'trace') updated.set(r.traceId, this.#merge(r));
    }
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
        traceAttributes(state.fields, r.version !== undefined, attributes);
        state.anchor ??= anchorOf(r);
        updated.delete(r.traceId);
      }
      spans.push(observationSpan(r, attributes));
    }
    for (const [traceId, state] of updated) {
      state.anchor ??= carrierOf(traceId, state);
      spans.push(anchorSpan(traceId, state.anchor, state.fields));
    }
    return { spans, invalid };
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
        const oldest = this.#states.keys().next().value;
        if (oldest !== undefined) this.#states.delete(oldest);
      }
      state = { fields: {}, timestamp };
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

function observationSpan(o: ObservationRecord, attributes: AttributeList): string {
  const status =
    o.level === 'ERROR'
      ? o.statusMessage !== undefined
        ? `{"code":2,"message":${JSON.stringify(o.statusMessage)}}`
        : '{"code":2}'
      : STATUS_UNSET;
  return spanJson(o.traceId, o.id, o.parentId, o.name ?? o.type, o.startTime, o.endTime ?? o.startTime, attributes, status);
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

function anchorSpan(traceId: string, anchor: Anchor, fields: TraceFields): string {
  const attributes: AttributeList = [typeAttribute(anchor.type)];
  // Repeat what the root carried, so re-sending it changes nothing but the trace fields.
  ioAttributes(anchor.input, anchor.output, attributes);
  traceAttributes(fields, false, attributes);
  return spanJson(traceId, anchor.spanId, undefined, anchor.name, anchor.start, anchor.end, attributes, STATUS_UNSET);
}
