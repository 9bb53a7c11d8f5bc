import type { ExportRecord, ObservationRecord, TraceRecord } from '../../model/records.js';
import type { Turns } from '../../runtime/turn-budget.js';
import type { SpanEncoder } from './span-encoder.js';
import { TraceMemory } from './trace-memory.js';
import { mergeTrace, type TraceState, weigh } from './trace-state.js';

/** Records that could not be written, and why. */
export type InvalidRecords = Array<{ record: ExportRecord; message: string }>;

/** Something Langfuse would silently rewrite was corrected on the way out: logged once per key. */
export type NoticeSink = (key: string, message: string) => void;

// Trace fields are kept whole (every span restates the trace), so the remembered traces get a
// byte budget too: without it 10,000 traces with large inputs held gigabytes.
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
// Langfuse's rule (lowercase, no `langfuse` prefix, ≤ 40 of a-z 0-9 - _); anything else it stores as "default".
const ENVIRONMENT = /^(?!langfuse)[a-z0-9_-]{1,40}$/;

export const LONE_TRACE_MESSAGE =
  'trace fields with no observation to carry them: Langfuse v4 builds a trace from its observations only. ' +
  'Set trace fields while an observation of the trace runs (or inside withTrace around one)';

/**
 * Langfuse v4 stores one row per span, replaced whole on every copy, and computes the trace from
 * those rows. So every span of a trace exported once its fields are known carries all of them (the
 * same values on every span), roots also carry the trace's input and output, and a later update
 * re-sends the latest root copy (Langfuse upserts by span id, nothing is added). No carrier span
 * is ever made: a trace update with no observation of its own is held for a span, then refused.
 */
export class TraceAssembler {
  readonly #states: TraceMemory;
  readonly #holdMs: number;
  readonly #environment: string | undefined;
  readonly #notice: NoticeSink;

  constructor(options: {
    capacity: number;
    holdMs: number;
    maxBytes?: number;
    /** The client's environment: what an environment Langfuse would rewrite is replaced by. */
    environment?: string | undefined;
    notice?: NoticeSink;
  }) {
    this.#states = new TraceMemory(options.capacity, options.maxBytes ?? DEFAULT_MAX_BYTES);
    this.#holdMs = options.holdMs;
    this.#environment = options.environment;
    this.#notice = options.notice ?? (() => {});
  }

  /** Holds a trace update whose trace has no span in the batch and none sent before, for a while. */
  prepare(records: ExportRecord[], final: boolean, now: number): { ready: ExportRecord[]; held: ExportRecord[] } {
    if (final || !records.some((r) => r.kind === 'trace')) return { ready: records, held: [] };
    const carried = new Set<string>();
    for (const r of records) if (r.kind === 'observation') carried.add(r.traceId);
    const ready: ExportRecord[] = [];
    const held: ExportRecord[] = [];
    for (const r of records) {
      if (r.kind === 'trace' && !carried.has(r.traceId) && this.#states.get(r.traceId)?.anchor === undefined) {
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

  /**
   * Writes the spans of `records` into `encoder`, and returns the records that could not be written.
   * With a `pacer` it gives the event loop a turn whenever the turn's budget is spent.
   */
  async spans(records: ExportRecord[], encoder: SpanEncoder, pacer?: Turns): Promise<InvalidRecords> {
    // Each record's state, looked up before the first pause: other batches encode between the slices
    // and may push a state out of the memory, and this batch must still use the one it merged. By
    // position rather than in maps keyed by trace id: hashing the ids again and again was a fair share
    // of the export's time.
    const states: Array<TraceState | undefined> = new Array(records.length);
    const merged = new Map<TraceState, TraceRecord[]>();
    this.#states.hold();
    try {
      for (let i = 0; i < records.length; i++) {
        const r = records[i] as ExportRecord;
        // States first, so a child ahead of its root or of the update in the batch carries them too.
        if (r.kind === 'observation') {
          if (isRoot(r)) states[i] = this.#states.obtain(r.traceId, r.startTime);
          continue;
        }
        if (r.kind !== 'trace') continue;
        const state = this.#states.obtain(r.traceId, r.timestamp);
        mergeTrace(state, r);
        const updates = merged.get(state);
        if (updates === undefined) merged.set(state, [r]);
        else updates.push(r);
      }
      for (let i = 0; i < records.length; i++) {
        const r = records[i] as ExportRecord;
        if (r.kind === 'observation' && states[i] === undefined) states[i] = this.#states.get(r.traceId);
      }
    } finally {
      this.#states.release();
    }
    const carried = new Set<TraceState>();
    const invalid: InvalidRecords = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as ExportRecord;
      if (r.kind !== 'observation') continue;
      const turn = pacer?.due();
      if (turn !== undefined) await turn;
      // One malformed span makes Langfuse reject the whole request: check each one. Ids are
      // canonical by construction (ids.ts), so the length check is the cheap guard for that.
      if (r.traceId.length !== 32 || r.id.length !== 16 || (r.parentId !== undefined && r.parentId.length !== 16)) {
        invalid.push({ record: r, message: 'span has a malformed trace, span or parent id' });
        continue;
      }
      const state = states[i];
      if (state !== undefined) {
        // The latest root copy is what a later update re-sends; failing a root, the latest span.
        if (isRoot(r) || state.anchor === undefined || !isRoot(state.anchor)) state.anchor = r;
        carried.add(state);
      }
      this.#span(encoder, r, state);
    }
    for (const [state, updates] of merged) {
      if (carried.has(state)) continue;
      if (state.anchor === undefined) {
        for (const r of updates) invalid.push({ record: r, message: LONE_TRACE_MESSAGE });
        this.#notice('lone-trace', `${LONE_TRACE_MESSAGE} (dead-lettered as invalid)`);
        continue;
      }
      this.#span(encoder, state.anchor, state);
    }
    for (const state of merged.keys()) this.#states.reweigh(state, weigh(state));
    for (const state of carried) if (!merged.has(state)) this.#states.reweigh(state, weigh(state));
    return invalid;
  }

  /** Traces remembered now (for tests). */
  get size(): number {
    return this.#states.size;
  }

  #span(encoder: SpanEncoder, o: ObservationRecord, state: TraceState | undefined): void {
    encoder.span(o, state, this.#checked(state?.environment ?? o.environment));
  }

  /** An environment Langfuse keeps as it is, else the client's (Langfuse would store "default"). */
  #checked(environment: string | undefined): string | undefined {
    if (environment === undefined || ENVIRONMENT.test(environment)) return environment;
    this.#notice(
      `environment:${environment.slice(0, 60)}`,
      `environment ${JSON.stringify(environment.slice(0, 60))} breaks Langfuse's rule (lowercase a-z, 0-9, - and _, ` +
        `at most 40 characters, not starting with "langfuse"), which Langfuse would silently store as "default"; ` +
        `sent as ${this.#environment === undefined ? 'the default environment' : JSON.stringify(this.#environment)} instead`,
    );
    return this.#environment;
  }
}

const isRoot = (o: ObservationRecord) => o.parentId === undefined || o.appRoot === true;
