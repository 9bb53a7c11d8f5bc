import { isoTime } from '../../runtime/iso-time.js';
import { type ObservationRecord, RAW_INPUT, RAW_METADATA, RAW_OUTPUT } from '../../model/records.js';
import { metadataText, type TraceState } from './trace-state.js';

/**
 * OTLP/JSON attributes, appended straight to JSON text: building objects and stringifying
 * them, or collecting fragments in arrays to join, costs several times more per event, and
 * export is where the CPU budget goes. Payload fields arrive prepared (a caller's string
 * as-is, anything else as JSON text) and go as string values. Keys are constants that need
 * no escaping; every value goes through JSON.stringify. Attribute text is a comma-separated
 * list; functions that add to one return it with a leading comma.
 */
const q = JSON.stringify;
const str = (key: string, value: string) => `{"key":"${key}","value":{"stringValue":${q(value)}}}`;
// Numbers go as doubleValue: Langfuse's OTLP reader mishandles intValue sent as a string
// (the OTLP/JSON norm) and intValue 0.
const dbl = (key: string, value: number) => `{"key":"${key}","value":{"doubleValue":${q(value)}}}`;
const bool = (key: string, value: boolean) => `{"key":"${key}","value":{"boolValue":${value}}}`;
const arr = (key: string, values: string[]) =>
  `{"key":"${key}","value":{"arrayValue":{"values":[${values.map((v) => `{"stringValue":${q(v)}}`).join(',')}]}}}`;

/**
 * Epoch milliseconds (with a fraction) as an integer-nanosecond string, without BigInt.
 * Printing a 19-digit double is slow; spans exported together mostly share their
 * millisecond, so its digits are printed once and the six fraction digits (a small
 * integer, cheap to print) appended.
 */
let lastWhole = Number.NaN;
let lastWholeText = '';
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000'];

export function toNanos(ms: number): string {
  const whole = Math.floor(ms);
  const fraction = Math.round((ms - whole) * 1e6);
  if (fraction >= 1e6) return `${whole + 1}000000`;
  if (whole !== lastWhole) {
    lastWhole = whole;
    lastWholeText = String(whole);
  }
  const digits = String(fraction);
  return lastWholeText + ZEROS[6 - digits.length] + digits;
}

const TYPE_ATTRIBUTES = new Map<string, string>();

export function typeAttribute(type: string): string {
  let attribute = TYPE_ATTRIBUTES.get(type);
  if (attribute === undefined) {
    attribute = str('langfuse.observation.type', type);
    TYPE_ATTRIBUTES.set(type, attribute);
  }
  return attribute;
}

/** A payload attribute, unless it is JSON `null` (Langfuse would store the text "null"). */
function payload(key: string, text: string | undefined, raw: boolean): string {
  return text === undefined || (!raw && text === 'null') ? '' : `,${str(key, text)}`;
}

/**
 * The attributes Langfuse maps onto an observation, starting with its type. `trace` is what is
 * known about its trace: it fills what the observation leaves open (version, environment) and, on
 * a root, input and output (v4 shows the root observation's I/O as the trace's).
 */
export function observationAttributes(
  o: ObservationRecord,
  trace: TraceState | undefined,
  environment?: string,
): string {
  let a = typeAttribute(o.type);
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
  a += payload('langfuse.observation.input', input, (raw & RAW_INPUT) !== 0);
  a += payload('langfuse.observation.output', output, (raw & RAW_OUTPUT) !== 0);
  const metadata = o.metadata === undefined ? undefined : metadataText(o.metadata, (o.raw & RAW_METADATA) !== 0);
  if (metadata !== undefined) a += `,${str('langfuse.observation.metadata', metadata)}`;
  if (o.level !== undefined) a += `,{"key":"langfuse.observation.level","value":{"stringValue":"${o.level}"}}`;
  if (o.statusMessage !== undefined) a += `,${str('langfuse.observation.status_message', o.statusMessage)}`;
  const version = o.version ?? trace?.version;
  if (version !== undefined) a += `,${str('langfuse.version', version)}`;
  if (environment !== undefined) a += `,${str('langfuse.environment', environment)}`;
  if (o.model !== undefined) a += `,${str('langfuse.observation.model.name', o.model)}`;
  if (o.modelParameters !== undefined) a += `,${str('langfuse.observation.model.parameters', o.modelParameters)}`;
  if (o.usageDetails !== undefined) a += `,${str('langfuse.observation.usage_details', o.usageDetails)}`;
  if (o.costDetails !== undefined) a += `,${str('langfuse.observation.cost_details', o.costDetails)}`;
  if (o.completionStartTime !== undefined)
    a += `,{"key":"langfuse.observation.completion_start_time","value":{"stringValue":"${isoTime(o.completionStartTime)}"}}`;
  if (o.promptName !== undefined) a += `,${str('langfuse.observation.prompt.name', o.promptName)}`;
  if (o.promptVersion !== undefined) a += `,${dbl('langfuse.observation.prompt.version', o.promptVersion)}`;
  if (o.appRoot === true) a += APP_ROOT;
  if (root && trace !== undefined) {
    // Older servers read the trace's I/O from these; the v4 direct path does not store them.
    a += payload('langfuse.trace.input', trace.input, (trace.raw & RAW_INPUT) !== 0);
    a += payload('langfuse.trace.output', trace.output, (trace.raw & RAW_OUTPUT) !== 0);
  }
  return a;
}

// Its parent lives in another service: the trace's root here (v4), and for older servers too.
const APP_ROOT = `,${bool('langfuse.internal.is_app_root', true)},${bool('langfuse.internal.as_root', true)}`;

/**
 * The trace-level attributes every span of a trace carries (each with a leading comma), the same on
 * every span so no row of the trace disagrees with another. Environment and version are per span
 * (see {@link observationAttributes}); input and output ride on roots only.
 */
export function traceAttributes(t: TraceState): string {
  let a = '';
  if (t.name !== undefined) a += `,${str('langfuse.trace.name', t.name)}`;
  if (t.userId !== undefined) a += `,${str('user.id', t.userId)}`;
  if (t.sessionId !== undefined) a += `,${str('session.id', t.sessionId)}`;
  if (t.tags !== undefined && t.tags.length > 0) a += `,${arr('langfuse.trace.tags', t.tags)}`;
  if (t.public !== undefined) a += `,${bool('langfuse.trace.public', t.public)}`;
  if (t.release !== undefined) a += `,${str('langfuse.release', t.release)}`;
  if (t.metadataText !== undefined) a += `,${str('langfuse.trace.metadata', t.metadataText)}`;
  return a;
}

export function resourceAttributes(values: {
  serviceName: string;
  sdkVersion: string;
  environment: string | undefined;
  release: string | undefined;
}): string {
  const a = [
    str('service.name', values.serviceName),
    str('telemetry.sdk.name', 'fusewire'),
    str('telemetry.sdk.language', 'nodejs'),
    str('telemetry.sdk.version', values.sdkVersion),
  ];
  if (values.environment !== undefined) a.push(str('langfuse.environment', values.environment));
  if (values.release !== undefined) a.push(str('langfuse.release', values.release));
  return a.join(',');
}
