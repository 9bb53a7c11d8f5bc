import type { ObservationRecord } from '../../model/records.js';
import type { TraceState } from './trace-state.js';

/** What every OTLP request says about who sent it: the resource and the instrumentation scope. */
export interface OtlpSource {
  serviceName: string;
  sdkVersion: string;
  environment: string | undefined;
  release: string | undefined;
  /** Instrumentation scope name and version. */
  scope: { name: string; version: string };
}

/**
 * Writes the spans of one OTLP trace request, one at a time, in one encoding. The trace assembler
 * decides which spans and what each carries; an encoder only writes them.
 */
export interface SpanEncoder {
  /** Appends one span: `state` is its trace's fields (restated on every span), `environment` already checked. */
  span(o: ObservationRecord, state: TraceState | undefined, environment: string | undefined): void;
  /** Bytes written so far (JSON: UTF-16 units, close enough to pace the work). */
  readonly size: number;
  /** The whole request body. */
  finish(): Buffer;
}

/** Makes an encoder for one request; `estimate` is the records' estimated size in bytes. */
export interface SpanEncoding {
  readonly contentType: string;
  create(estimate: number): SpanEncoder;
}
