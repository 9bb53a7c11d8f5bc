import type { EncodedBatch, Exporter } from '../exporter.js';
import { newTraceId } from '../../model/ids.js';
import { isoTime } from '../../runtime/iso-time.js';
import {
  type ExportRecord,
  type ObservationRecord,
  RAW_INPUT,
  RAW_METADATA,
  RAW_OUTPUT,
  type ScoreRecord,
  type TraceRecord,
} from '../../model/records.js';
import { TraceMemory } from '../otlp/trace-memory.js';
import { mergeTrace, metadataText, weigh } from '../otlp/trace-state.js';

export const INGESTION_PATH = '/api/public/ingestion';

const q = JSON.stringify;
const iso = isoTime;
/** A prepared payload as JSON: plain strings still need quoting, the rest is JSON already. */
const json = (value: string | undefined, raw: number, bit: number) =>
  value === undefined ? undefined : raw & bit ? q(value) : value;

/**
 * Builds a JSON object as text; values that are already JSON are embedded as they are.
 * Keys are constants that need no escaping.
 */
class JsonObject {
  #text = '';
  str(key: string, value: string | undefined): this {
    if (value !== undefined) this.#text += `,"${key}":${q(value)}`;
    return this;
  }
  /** A string we made ourselves (hex id, ISO time, enum): nothing to escape, so no stringify. */
  lit(key: string, value: string | undefined): this {
    if (value !== undefined) this.#text += `,"${key}":"${value}"`;
    return this;
  }
  raw(key: string, json: string | undefined): this {
    if (json !== undefined) this.#text += `,"${key}":${json}`;
    return this;
  }
  value(key: string, value: unknown): this {
    if (value !== undefined) this.#text += `,"${key}":${q(value)}`;
    return this;
  }
  toString(): string {
    return `{${this.#text.slice(1)}}`;
  }
}

export interface IngestionExporterOptions {
  environment: string | undefined;
  release: string | undefined;
  sdkVersion: string;
}

/**
 * The legacy batch API (`/api/public/ingestion`): envelopes with stable ids, so a retry
 * never duplicates, and per-event handling of the 207 answer. Scores always go this way.
 */
export class IngestionExporter implements Exporter {
  readonly name = 'ingestion' as const;
  readonly #options: IngestionExporterOptions;

  // Langfuse fills what a trace-create omits with defaults (public: false, the client's release), so
  // each one restates the whole trace: what is known so far, per trace, bounded like OTLP's.
  readonly #traces = new TraceMemory(4_096, 8 * 1024 * 1024);

  constructor(options: IngestionExporterOptions) {
    this.#options = options;
  }

  prepare(records: ExportRecord[]) {
    return { ready: records, held: [] };
  }

  encode(records: ExportRecord[]): EncodedBatch {
    const envelopes: string[] = [];
    for (const r of records) {
      r.envelopeId ??= newTraceId();
      envelopes.push(this.#envelope(r));
    }
    const metadata = q({ sdk_name: 'fusewire', sdk_version: this.#options.sdkVersion });
    return {
      body: `{"batch":[${envelopes.join(',')}],"metadata":${metadata}}`,
      contentType: 'application/json',
      path: INGESTION_PATH,
      records,
    };
  }

  #envelope(r: ExportRecord): string {
    const [type, timestamp, body] =
      r.kind === 'trace'
        ? ['trace-create', this.#envelopeTime(r), this.#trace(r)]
        : r.kind === 'score'
          ? ['score-create', r.timestamp, this.#score(r)]
          : [`${r.type}-create`, r.startTime, this.#observation(r)];
    return `{"id":"${r.envelopeId}","timestamp":"${iso(timestamp)}","type":"${type}","body":${body}}`;
  }

  /**
   * Langfuse merges a trace's events by envelope timestamp, and those of one millisecond in reverse:
   * each trace-create gets a time after the previous one's, fixed on the record so a retry keeps it.
   */
  #envelopeTime(r: TraceRecord): number {
    if (r.envelopeTime !== undefined) return r.envelopeTime;
    const state = this.#traces.obtain(r.traceId, r.timestamp);
    const last = state.lastEnvelopeTime;
    r.envelopeTime = last === undefined ? r.timestamp : Math.max(r.timestamp, Math.floor(last) + 1);
    state.lastEnvelopeTime = r.envelopeTime;
    return r.envelopeTime;
  }

  #trace(r: TraceRecord): string {
    const state = this.#traces.obtain(r.traceId, r.timestamp);
    mergeTrace(state, r);
    this.#traces.reweigh(state, weigh(state));
    return new JsonObject()
      .lit('id', r.traceId)
      .lit('timestamp', iso(state.timestamp))
      .str('name', state.name)
      .str('userId', state.userId)
      .str('sessionId', state.sessionId)
      .raw('input', json(state.input, state.raw, RAW_INPUT))
      .raw('output', json(state.output, state.raw, RAW_OUTPUT))
      .raw('metadata', state.metadataText)
      .value('tags', state.tags)
      .value('public', state.public)
      .str('release', state.release ?? this.#options.release)
      .str('version', state.version)
      .str('environment', state.environment ?? this.#options.environment)
      .toString();
  }

  #observation(o: ObservationRecord): string {
    const body = new JsonObject()
      .lit('id', o.id)
      .lit('traceId', o.traceId)
      .lit('parentObservationId', o.parentId)
      .str('name', o.name)
      .lit('startTime', iso(o.startTime))
      .lit('endTime', o.endTime !== undefined && o.type !== 'event' ? iso(o.endTime) : undefined)
      .raw('input', json(o.input, o.raw, RAW_INPUT))
      .raw('output', json(o.output, o.raw, RAW_OUTPUT))
      .raw('metadata', o.metadata === undefined ? undefined : metadataText(o.metadata, (o.raw & RAW_METADATA) !== 0))
      .lit('level', o.level)
      .str('statusMessage', o.statusMessage)
      .str('version', o.version)
      .str('environment', o.environment ?? this.#options.environment);
    // Every type but span and event takes the generation body.
    if (o.type !== 'span' && o.type !== 'event') {
      body
        .str('model', o.model)
        .raw('modelParameters', o.modelParameters)
        .raw('usageDetails', o.usageDetails)
        .raw('costDetails', o.costDetails)
        .lit('completionStartTime', o.completionStartTime !== undefined ? iso(o.completionStartTime) : undefined)
        .str('promptName', o.promptName)
        .value('promptVersion', o.promptVersion);
    }
    return body.toString();
  }

  #score(s: ScoreRecord): string {
    return new JsonObject()
      .str('id', s.id)
      .lit('traceId', s.traceId)
      .lit('observationId', s.observationId)
      .str('sessionId', s.sessionId)
      .str('datasetRunId', s.datasetRunId)
      .str('name', s.name)
      .value('value', s.value)
      .lit('dataType', s.dataType)
      .str('comment', s.comment)
      .raw('metadata', json(s.metadata, s.raw, RAW_METADATA))
      .str('environment', s.environment ?? this.#options.environment)
      .toString();
  }
}
