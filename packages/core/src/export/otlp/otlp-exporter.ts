import type { EncodedBatch, Exporter } from '../exporter.js';
import { resourceAttributes } from './otlp-attributes.js';
import type { ExportRecord } from '../../model/records.js';
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

export interface OtlpExporterOptions {
  sdkVersion: string;
  serviceName: string;
  environment: string | undefined;
  release: string | undefined;
  holdMs: number;
  /** Where corrections Langfuse would otherwise make silently are reported (logged once per key). */
  notice?: NoticeSink;
}

/** Traces and observations as OTLP/JSON to Langfuse's OpenTelemetry endpoint. */
export class OtlpExporter implements Exporter {
  readonly name = 'otlp' as const;
  readonly #assembler: TraceAssembler;
  // Constant per client: written to JSON once.
  readonly #resource: string;
  readonly #scope: string;

  constructor(options: OtlpExporterOptions) {
    // A few thousand recent traces cover late trace updates (they arrive within a request's
    // lifetime); remembering more costs the app GC time for every root span exported.
    this.#assembler = new TraceAssembler({
      capacity: 4_096,
      holdMs: options.holdMs,
      environment: options.environment,
      ...(options.notice !== undefined && { notice: options.notice }),
    });
    this.#resource = `{"attributes":[${resourceAttributes(options)}]}`;
    this.#scope = JSON.stringify({ name: SCOPE_NAME, version: options.sdkVersion });
  }

  prepare(records: ExportRecord[], final: boolean, now: number) {
    return this.#assembler.prepare(records, final, now);
  }

  encode(records: ExportRecord[]): EncodedBatch {
    const { spans, invalid } = this.#assembler.spans(records);
    const sendable = invalid.length === 0 ? records : records.filter((r) => !invalid.some((i) => i.record === r));
    const body = `{"resourceSpans":[{"resource":${this.#resource},"scopeSpans":[{"scope":${this.#scope},"spans":[${spans}]}]}]}`;
    return { body, contentType: 'application/json', path: OTLP_PATH, records: sendable, invalid };
  }
}
