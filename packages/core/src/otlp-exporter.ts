import type { EncodedBatch, Exporter, ExportOutcome } from './exporter.js';
import { isSpanId, isTraceId } from './ids.js';
import { type OtlpAttribute, resourceAttributes } from './otlp-attributes.js';
import type { ExportRecord } from './records.js';
import { classifyStatus } from './retry-policy.js';
import { type OtlpSpan, TraceAssembler } from './trace-assembler.js';

export const OTLP_PATH = '/api/public/otel/v1/traces';

// Langfuse reads spans from scopes named `langfuse-sdk*` as SDK-shaped: it maps our
// attributes and does not also copy every attribute into metadata.
const SCOPE_NAME = 'langfuse-sdk-fusewire';

export interface OtlpExporterOptions {
  sdkVersion: string;
  serviceName: string;
  environment: string | undefined;
  release: string | undefined;
  holdMs: number;
}

/** Traces and observations as OTLP/JSON to Langfuse's OpenTelemetry endpoint. */
export class OtlpExporter implements Exporter {
  readonly name = 'otlp' as const;
  readonly #assembler: TraceAssembler;
  readonly #resource: { attributes: OtlpAttribute[] };
  readonly #scope: { name: string; version: string };

  constructor(options: OtlpExporterOptions) {
    this.#assembler = new TraceAssembler({ capacity: 10_000, holdMs: options.holdMs });
    this.#resource = { attributes: resourceAttributes(options) };
    this.#scope = { name: SCOPE_NAME, version: options.sdkVersion };
  }

  prepare(records: ExportRecord[], final: boolean, now: number) {
    return this.#assembler.prepare(records, final, now);
  }

  encode(records: ExportRecord[]): EncodedBatch {
    const spans = this.#assembler.spans(records);
    // One malformed span makes Langfuse reject the whole request: check before sending.
    const bad = spans.filter((s) => !wellFormed(s));
    const invalid: EncodedBatch['invalid'] = [];
    let sendable: ExportRecord[] = records;
    let good: OtlpSpan[] = spans;
    if (bad.length > 0) {
      const badIds = new Set(bad.map((s) => s.spanId));
      good = spans.filter((s) => !badIds.has(s.spanId));
      sendable = records.filter((r) => {
        const isBad = r.kind === 'observation' && badIds.has(r.id);
        if (isBad) invalid.push({ record: r, message: 'span has a malformed trace or span id' });
        return !isBad;
      });
    }
    const body = JSON.stringify({
      resourceSpans: [{ resource: this.#resource, scopeSpans: [{ scope: this.#scope, spans: good }] }],
    });
    return { body, contentType: 'application/json', path: OTLP_PATH, records: sendable, invalid };
  }

  classify(status: number, retryAfter: string | undefined): ExportOutcome {
    return classifyStatus(status, retryAfter);
  }
}

function wellFormed(s: OtlpSpan): boolean {
  return (
    isTraceId(s.traceId) &&
    isSpanId(s.spanId) &&
    (s.parentSpanId === undefined || isSpanId(s.parentSpanId)) &&
    Array.isArray(s.attributes)
  );
}
