import type { EncodedBatch, Exporter } from '../exporter.js';
import type { ExportRecord } from '../../model/records.js';
import type { Turns } from '../../runtime/turn-budget.js';
import { jsonSpanEncoding } from './json-span-encoder.js';
import { protobufSpanEncoding } from './protobuf-span-encoder.js';
import type { SpanEncoding } from './span-encoder.js';
import { type NoticeSink, TraceAssembler } from './trace-assembler.js';

export const OTLP_PATH = '/api/public/otel/v1/traces';

/**
 * Headers every OTLP request carries. `x-langfuse-ingestion-version: 4` sends spans straight to
 * Langfuse v4's observations table; without it a request that looks like an SDK takes the dual-write
 * path, which Langfuse Cloud shows up to ~10 minutes late.
 */
export const OTLP_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'x-langfuse-ingestion-version': '4' });

// Langfuse reads spans from scopes named `langfuse-sdk*` as SDK-shaped: it maps our
// attributes and does not also copy every attribute into metadata.
const SCOPE_NAME = 'langfuse-sdk-fusewire';

/** OTLP's two HTTP encodings: binary protobuf, or OTLP/JSON. */
export type OtlpEncoding = 'protobuf' | 'json';

export interface OtlpExporterOptions {
  sdkVersion: string;
  serviceName: string;
  environment: string | undefined;
  release: string | undefined;
  holdMs: number;
  /** Wire format of the request bodies (default protobuf). */
  encoding?: OtlpEncoding;
  /** Where corrections Langfuse would otherwise make silently are reported (logged once per key). */
  notice?: NoticeSink;
}

/** Traces and observations as OTLP (protobuf or JSON) to Langfuse's OpenTelemetry endpoint. */
export class OtlpExporter implements Exporter {
  readonly name = 'otlp' as const;
  readonly #assembler: TraceAssembler;
  readonly #encoding: SpanEncoding;

  constructor(options: OtlpExporterOptions) {
    // A few thousand recent traces cover late trace updates (they arrive within a request's
    // lifetime); remembering more costs the app GC time for every root span exported.
    this.#assembler = new TraceAssembler({
      capacity: 4_096,
      holdMs: options.holdMs,
      environment: options.environment,
      ...(options.notice !== undefined && { notice: options.notice }),
    });
    const source = { ...options, scope: { name: SCOPE_NAME, version: options.sdkVersion } };
    this.#encoding = options.encoding === 'json' ? jsonSpanEncoding(source) : protobufSpanEncoding(source);
  }

  prepare(records: ExportRecord[], final: boolean, now: number) {
    return this.#assembler.prepare(records, final, now);
  }

  async encode(records: ExportRecord[], pacer?: Turns): Promise<EncodedBatch> {
    let estimate = 0;
    for (const r of records) estimate += r.bytes;
    const encoder = this.#encoding.create(Math.ceil(estimate * 1.1) + 1024);
    const invalid = await this.#assembler.spans(records, encoder, pacer);
    const sendable = invalid.length === 0 ? records : records.filter((r) => !invalid.some((i) => i.record === r));
    return {
      body: encoder.finish(),
      contentType: this.#encoding.contentType,
      path: OTLP_PATH,
      records: sendable,
      invalid,
    };
  }
}
