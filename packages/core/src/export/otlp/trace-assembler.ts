import { traceCarrierSpanId } from '../../model/ids.js';
import { observationAttributes, toNanos, traceAttributes, typeAttribute } from './otlp-attributes.js';
import type { ExportRecord, ObservationRecord, TraceFields, TraceRecord } from '../../model/records.js';

/**
 * What a trace update rides on when its root is not in the batch: the root span already sent
 * (re-sent whole, plus the trace fields: Langfuse rebuilds the observation from each copy it
 * gets, so a missing level would read as DEFAULT and a missing input as null), or a carrier
 * span. The root's record is kept rather than its encoded text: one object the GC already
 * knows, instead of a rope of fragments retained per remembered trace.
 */
type Anchor = { root: ObservationRecord } | { carrier: { spanId: string; name: string; start: number } };

const anchorId = (a: Anchor) => ('root' in a ? a.root.id : a.carrier.spanId);

interface TraceState {
  fields: TraceFields;
  timestamp: number;
  anchor?: Anchor;
  /** Payload characters this state holds (trace fields and anchor attributes). */
  bytes: number;
  /** Which generation of TraceMemory holds it. */
  generation: number;
}

/** Spans as OTLP/JSON text (a comma-separated list), plus the records that could not be written. */
export interface AssembledSpans {
  spans: string;
  invalid: Array<{ record: ExportRecord; message: string }>;
}

const STATUS_UNSET = '{"code":0}';
// Trace fields are kept whole (a re-sent root restates the trace), so the remembered traces
// get a byte budget too: without it 10,000 traces with large inputs held gigabytes.
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Langfuse has no way to update a trace without an observation: trace fields ride on a
 * span. This puts them on the trace's root span; failing that, re-sends the root span
 * already exported (Langfuse upserts by span id, so nothing is added); failing that,
 * holds the update briefly for the root to arrive, and only then sends a carrier span.
 */
export class TraceAssembler {
  readonly #states: TraceMemory;
  readonly #holdMs: number;

  constructor(options: { capacity: number; holdMs: number; maxBytes?: number }) {
    this.#states = new TraceMemory(options.capacity, options.maxBytes ?? DEFAULT_MAX_BYTES);
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
    const touched = new Set(updated.values());
    let spans = '';
    const invalid: AssembledSpans['invalid'] = [];
    for (const r of records) {
      if (r.kind !== 'observation') continue;
      // One malformed span makes Langfuse reject the whole request: check each one. Ids are
      // canonical by construction (ids.ts), so the length check is the cheap guard for that.
      if (r.traceId.length !== 32 || r.id.length !== 16 || (r.parentId !== undefined && r.parentId.length !== 16)) {
        invalid.push({ record: r, message: 'span has a malformed trace, span or parent id' });
        continue;
      }
      let attributes = observationAttributes(r);
      if (r.parentId === undefined) {
        const state = this.#state(r.traceId, r.startTime);
        // The latest copy of the root is what a re-send must repeat.
        if (state.anchor === undefined || anchorId(state.anchor) === r.id) state.anchor = { root: r };
        attributes += traceAttributes(state.fields, r);
        touched.add(state);
        updated.delete(r.traceId);
      }
      spans += spans === '' ? observationSpan(r, attributes) : `,${observationSpan(r, attributes)}`;
    }
    for (const [traceId, state] of updated) {
      state.anchor ??= carrierOf(traceId, state);
      spans +=
        spans === ''
          ? anchorSpan(traceId, state.anchor, state.fields)
          : `,${anchorSpan(traceId, state.anchor, state.fields)}`;
    }
    this.#reweigh(touched);
    return { spans, invalid };
  }

  /** Re-weighs the states this batch changed (the memory forgets old traces when over budget). */
  #reweigh(touched: Set<TraceState>): void {
    for (const state of touched) this.#states.reweigh(state, weigh(state));
  }

  /** Traces remembered now (for tests). */
  get size(): number {
    return this.#states.size;
  }

  #merge(r: TraceRecord): TraceState {
    const state = this.#states.obtain(r.traceId, r.timestamp);
    Object.assign(state.fields, r.fields);
    return state;
  }

  #state(traceId: string, timestamp: number): TraceState {
    return this.#states.obtain(traceId, timestamp);
  }
}

/**
 * What is remembered per trace (its fields and its root span), bounded by count and bytes.
 * Two generations instead of an LRU list: a lookup promotes, and when the young generation
 * fills (by count, or by half the byte budget) the old one is dropped whole. Evicting one entry at a
 * time from a Map's front costs more and more as deleted slots pile up at the front.
 */
class TraceMemory {
  #young = new Map<string, TraceState>();
  #old = new Map<string, TraceState>();
  #youngBytes = 0;
  #oldBytes = 0;
  #generation = 0;
  readonly #generationSize: number;
  readonly #generationBytes: number;

  constructor(capacity: number, maxBytes: number) {
    this.#generationSize = Math.max(1, Math.floor(capacity / 2));
    this.#generationBytes = maxBytes / 2;
  }

  get(traceId: string): TraceState | undefined {
    return this.#young.get(traceId) ?? this.#old.get(traceId);
  }

  obtain(traceId: string, timestamp: number): TraceState {
    let state = this.#young.get(traceId);
    if (state !== undefined) return state;
    state = this.#old.get(traceId);
    if (state !== undefined) {
      this.#old.delete(traceId);
      this.#oldBytes -= state.bytes;
      this.#youngBytes += state.bytes;
      state.generation = this.#generation;
    } else {
      state = { fields: {}, timestamp, bytes: 0, generation: this.#generation };
    }
    this.#young.set(traceId, state);
    if (this.#young.size >= this.#generationSize) this.#rotate();
    return state;
  }

  reweigh(state: TraceState, bytes: number): void {
    const delta = bytes - state.bytes;
    state.bytes = bytes;
    if (state.generation === this.#generation) this.#youngBytes += delta;
    else if (state.generation === this.#generation - 1) this.#oldBytes += delta;
    if (this.#youngBytes > this.#generationBytes) this.#rotate();
  }

  #rotate(): void {
    this.#old = this.#young;
    this.#oldBytes = this.#youngBytes;
    this.#young = new Map();
    this.#youngBytes = 0;
    this.#generation++;
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }
}

function spanJson(
  traceId: string,
  spanId: string,
  parentId: string | undefined,
  name: string,
  start: number,
  end: number,
  attributes: string,
  status: string,
): string {
  const parent = parentId !== undefined ? `,"parentSpanId":"${parentId}"` : '';
  return `{"traceId":"${traceId}","spanId":"${spanId}"${parent},"name":${JSON.stringify(name)},"kind":1,"startTimeUnixNano":"${toNanos(start)}","endTimeUnixNano":"${toNanos(end)}","attributes":[${attributes}],"status":${status}}`;
}

function statusOf(o: ObservationRecord): string {
  if (o.level !== 'ERROR') return STATUS_UNSET;
  return o.statusMessage !== undefined ? `{"code":2,"message":${JSON.stringify(o.statusMessage)}}` : '{"code":2}';
}

function observationSpan(o: ObservationRecord, attributes: string): string {
  return spanJson(
    o.traceId,
    o.id,
    o.parentId,
    o.name ?? o.type,
    o.startTime,
    o.endTime ?? o.startTime,
    attributes,
    statusOf(o),
  );
}

const len = (s: string | undefined) => (s === undefined ? 0 : s.length);

function weigh(state: TraceState): number {
  const f = state.fields;
  let bytes = len(f.input) + len(f.output) + len(f.metadata) + len(f.name);
  if (state.anchor !== undefined && 'root' in state.anchor) bytes += state.anchor.root.bytes;
  return bytes;
}

function carrierOf(traceId: string, state: TraceState): Anchor {
  return {
    carrier: { spanId: traceCarrierSpanId(traceId), name: state.fields.name ?? 'trace', start: state.timestamp },
  };
}

function anchorSpan(traceId: string, anchor: Anchor, fields: TraceFields): string {
  if ('root' in anchor) {
    // Repeat what the root carried, so re-sending it changes nothing but the trace fields.
    const root = anchor.root;
    return observationSpan(root, observationAttributes(root) + traceAttributes(fields, root));
  }
  const { spanId, name, start } = anchor.carrier;
  return spanJson(
    traceId,
    spanId,
    undefined,
    name,
    start,
    start,
    typeAttribute('span') + traceAttributes(fields, undefined),
    STATUS_UNSET,
  );
}
