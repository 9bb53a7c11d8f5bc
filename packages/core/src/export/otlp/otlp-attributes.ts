import { isoTime } from '../../runtime/iso-time.js';
import { type ObservationRecord, RAW_INPUT, RAW_METADATA, RAW_OUTPUT } from '../../model/records.js';
import { metadataText, type TraceState } from './trace-state.js';

/**
 * Where one span's (or the resource's) attributes are written: OTLP/JSON text
 * (`json-span-encoder.ts`) or protobuf bytes (`protobuf-span-encoder.ts`). Which attributes a span
 * carries is decided here once, for both encodings. Keys are constants; values arrive prepared (a
 * caller's string as-is, anything else as JSON text) and go as string values.
 */
export interface AttributeSink {
  str(key: string, value: string): void;
  /**
   * Numbers go as doubleValue: Langfuse's OTLP reader mishandles intValue sent as a string (the
   * OTLP/JSON norm) and intValue 0.
   */
  dbl(key: string, value: number): void;
  bool(key: string, value: boolean): void;
  strings(key: string, values: readonly string[]): void;
}

/** A payload attribute, unless it is JSON `null` (Langfuse would store the text "null"). */
function payload(sink: AttributeSink, key: string, text: string | undefined, raw: boolean): void {
  if (text !== undefined && (raw || text !== 'null')) sink.str(key, text);
}

/**
 * The attributes Langfuse maps onto an observation, starting with its type. `trace` is what is
 * known about its trace: it fills what the observation leaves open (version, environment) and, on
 * a root, input and output (v4 shows the root observation's I/O as the trace's).
 */
export function observationAttributes(
  o: ObservationRecord,
  trace: TraceState | undefined,
  environment: string | undefined,
  sink: AttributeSink,
): void {
  sink.str('langfuse.observation.type', o.type);
  const root = o.parentId === undefined || o.appRoot === true;
  let input = o.input;
  let output = o.output;
  let raw = o.raw;
  if (root && trace !== undefined) {
    if (input === undefined && trace.input !== undefined) {
      input = trace.input;
      raw = (raw & ~RAW_INPUT) | (trace.raw & RAW_INPUT);
    }
    if (output === undefined && trace.output !== undefined) {
      output = trace.output;
      raw = (raw & ~RAW_OUTPUT) | (trace.raw & RAW_OUTPUT);
    }
  }
  payload(sink, 'langfuse.observation.input', input, (raw & RAW_INPUT) !== 0);
  payload(sink, 'langfuse.observation.output', output, (raw & RAW_OUTPUT) !== 0);
  const metadata = o.metadata === undefined ? undefined : metadataText(o.metadata, (o.raw & RAW_METADATA) !== 0);
  if (metadata !== undefined) sink.str('langfuse.observation.metadata', metadata);
  if (o.level !== undefined) sink.str('langfuse.observation.level', o.level);
  if (o.statusMessage !== undefined) sink.str('langfuse.observation.status_message', o.statusMessage);
  const version = o.version ?? trace?.version;
  if (version !== undefined) sink.str('langfuse.version', version);
  if (environment !== undefined) sink.str('langfuse.environment', environment);
  if (o.model !== undefined) sink.str('langfuse.observation.model.name', o.model);
  if (o.modelParameters !== undefined) sink.str('langfuse.observation.model.parameters', o.modelParameters);
  if (o.usageDetails !== undefined) sink.str('langfuse.observation.usage_details', o.usageDetails);
  if (o.costDetails !== undefined) sink.str('langfuse.observation.cost_details', o.costDetails);
  if (o.completionStartTime !== undefined)
    sink.str('langfuse.observation.completion_start_time', isoTime(o.completionStartTime));
  if (o.promptName !== undefined) sink.str('langfuse.observation.prompt.name', o.promptName);
  if (o.promptVersion !== undefined) sink.dbl('langfuse.observation.prompt.version', o.promptVersion);
  if (o.appRoot === true) {
    // Its parent lives in another service: the trace's root here (v4), and for older servers too.
    sink.bool('langfuse.internal.is_app_root', true);
    sink.bool('langfuse.internal.as_root', true);
  }
  if (root && trace !== undefined) {
    // Older servers read the trace's I/O from these; the v4 direct path does not store them.
    payload(sink, 'langfuse.trace.input', trace.input, (trace.raw & RAW_INPUT) !== 0);
    payload(sink, 'langfuse.trace.output', trace.output, (trace.raw & RAW_OUTPUT) !== 0);
  }
}

/**
 * The trace-level attributes every span of a trace carries, the same on
 * every span so no row of the trace disagrees with another. Environment and version are per span
 * (see {@link observationAttributes}); input and output ride on roots only.
 */
export function traceAttributes(t: TraceState, sink: AttributeSink): void {
  if (t.name !== undefined) sink.str('langfuse.trace.name', t.name);
  if (t.userId !== undefined) sink.str('user.id', t.userId);
  if (t.sessionId !== undefined) sink.str('session.id', t.sessionId);
  if (t.tags !== undefined && t.tags.length > 0) sink.strings('langfuse.trace.tags', t.tags);
  if (t.public !== undefined) sink.bool('langfuse.trace.public', t.public);
  if (t.release !== undefined) sink.str('langfuse.release', t.release);
  if (t.metadataText !== undefined) sink.str('langfuse.trace.metadata', t.metadataText);
}

export function resourceAttributes(
  values: { serviceName: string; sdkVersion: string; environment: string | undefined; release: string | undefined },
  sink: AttributeSink,
): void {
  sink.str('service.name', values.serviceName);
  sink.str('telemetry.sdk.name', 'fusewire');
  sink.str('telemetry.sdk.language', 'nodejs');
  sink.str('telemetry.sdk.version', values.sdkVersion);
  if (values.environment !== undefined) sink.str('langfuse.environment', values.environment);
  if (values.release !== undefined) sink.str('langfuse.release', values.release);
}
