import { isoTime } from '../../runtime/iso-time.js';
import type { ObservationRecord, TraceFields } from '../../model/records.js';

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

/** The attributes Langfuse maps onto an observation (the list starts with its type). */
export function observationAttributes(o: ObservationRecord): string {
  let a = typeAttribute(o.type);
  if (o.input !== undefined) a += `,${str('langfuse.observation.input', o.input)}`;
  if (o.output !== undefined) a += `,${str('langfuse.observation.output', o.output)}`;
  if (o.metadata !== undefined) a += `,${str('langfuse.observation.metadata', o.metadata)}`;
  if (o.level !== undefined) a += `,{"key":"langfuse.observation.level","value":{"stringValue":"${o.level}"}}`;
  if (o.statusMessage !== undefined) a += `,${str('langfuse.observation.status_message', o.statusMessage)}`;
  if (o.version !== undefined) a += `,${str('langfuse.version', o.version)}`;
  if (o.environment !== undefined) a += `,${str('langfuse.environment', o.environment)}`;
  if (o.model !== undefined) a += `,${str('langfuse.observation.model.name', o.model)}`;
  if (o.modelParameters !== undefined) a += `,${str('langfuse.observation.model.parameters', o.modelParameters)}`;
  if (o.usageDetails !== undefined) a += `,${str('langfuse.observation.usage_details', o.usageDetails)}`;
  if (o.costDetails !== undefined) a += `,${str('langfuse.observation.cost_details', o.costDetails)}`;
  if (o.completionStartTime !== undefined)
    a += `,{"key":"langfuse.observation.completion_start_time","value":{"stringValue":"${isoTime(o.completionStartTime)}"}}`;
  if (o.promptName !== undefined) a += `,${str('langfuse.observation.prompt.name', o.promptName)}`;
  if (o.promptVersion !== undefined) a += `,${dbl('langfuse.observation.prompt.version', o.promptVersion)}`;
  return a;
}

/**
 * The attributes Langfuse maps onto the trace, each with a leading comma; they ride on the
 * trace's root span. One attribute serves both trace and observation version and
 * environment; the observation's (`own`) wins.
 */
export function traceAttributes(
  f: TraceFields,
  own: { version?: string | undefined; environment?: string | undefined } | undefined,
): string {
  let a = '';
  if (f.name !== undefined) a += `,${str('langfuse.trace.name', f.name)}`;
  if (f.input !== undefined) a += `,${str('langfuse.trace.input', f.input)}`;
  if (f.output !== undefined) a += `,${str('langfuse.trace.output', f.output)}`;
  if (f.metadata !== undefined) a += `,${str('langfuse.trace.metadata', f.metadata)}`;
  if (f.userId !== undefined) a += `,${str('user.id', f.userId)}`;
  if (f.sessionId !== undefined) a += `,${str('session.id', f.sessionId)}`;
  if (f.tags !== undefined) a += `,${arr('langfuse.trace.tags', f.tags)}`;
  if (f.public !== undefined) a += `,${bool('langfuse.trace.public', f.public)}`;
  if (f.release !== undefined) a += `,${str('langfuse.release', f.release)}`;
  if (f.version !== undefined && own?.version === undefined) a += `,${str('langfuse.version', f.version)}`;
  if (f.environment !== undefined && own?.environment === undefined)
    a += `,${str('langfuse.environment', f.environment)}`;
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
