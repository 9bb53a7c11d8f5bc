import { isoTime } from './iso-time.js';
import type { ObservationRecord, TraceFields } from './records.js';

/**
 * OTLP/JSON attributes, written straight to JSON text. Payload fields arrive prepared
 * (a caller's string as-is, anything else as JSON text) and are sent as string values.
 * Building objects and stringifying
 * them costs several times more per event, and export is where the CPU budget goes.
 * Keys are constants that need no escaping; every value goes through JSON.stringify.
 */
const q = JSON.stringify;
const str = (key: string, value: string) => `{"key":"${key}","value":{"stringValue":${q(value)}}}`;
// Numbers go as doubleValue: Langfuse's OTLP reader mishandles intValue sent as a string
// (the OTLP/JSON norm) and intValue 0.
const dbl = (key: string, value: number) => `{"key":"${key}","value":{"doubleValue":${q(value)}}}`;
const bool = (key: string, value: boolean) => `{"key":"${key}","value":{"boolValue":${value}}}`;
const arr = (key: string, values: string[]) =>
  `{"key":"${key}","value":{"arrayValue":{"values":[${values.map((v) => `{"stringValue":${q(v)}}`).join(',')}]}}}`;

/** An attribute list under construction: JSON fragments, joined once. */
export type AttributeList = string[];

/**
 * Epoch milliseconds as an integer-nanosecond string. A double holds today's epoch in ns to
 * within a quarter of a microsecond, finer than any timestamp we are given, and printing
 * it is far cheaper than BigInt or padding digits by hand.
 */
export function toNanos(ms: number): string {
  return String(Math.round(ms * 1e6));
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

/** The attributes Langfuse maps onto an observation. */
export function observationAttributes(o: ObservationRecord, a: AttributeList): void {
  a.push(typeAttribute(o.type));
  if (o.input !== undefined) a.push(str('langfuse.observation.input', o.input));
  if (o.output !== undefined) a.push(str('langfuse.observation.output', o.output));
  if (o.metadata !== undefined) a.push(str('langfuse.observation.metadata', o.metadata));
  if (o.level !== undefined) a.push(`{"key":"langfuse.observation.level","value":{"stringValue":"${o.level}"}}`);
  if (o.statusMessage !== undefined) a.push(str('langfuse.observation.status_message', o.statusMessage));
  if (o.version !== undefined) a.push(str('langfuse.version', o.version));
  if (o.environment !== undefined) a.push(str('langfuse.environment', o.environment));
  if (o.model !== undefined) a.push(str('langfuse.observation.model.name', o.model));
  if (o.modelParameters !== undefined) a.push(str('langfuse.observation.model.parameters', q(o.modelParameters)));
  if (o.usageDetails !== undefined) a.push(str('langfuse.observation.usage_details', q(o.usageDetails)));
  if (o.costDetails !== undefined) a.push(str('langfuse.observation.cost_details', q(o.costDetails)));
  if (o.completionStartTime !== undefined)
    a.push(
      `{"key":"langfuse.observation.completion_start_time","value":{"stringValue":"${isoTime(o.completionStartTime)}"}}`,
    );
  if (o.promptName !== undefined) a.push(str('langfuse.observation.prompt.name', o.promptName));
  if (o.promptVersion !== undefined) a.push(dbl('langfuse.observation.prompt.version', o.promptVersion));
}

/** The attributes Langfuse maps onto the trace; they ride on the trace's root span. */
export function traceAttributes(
  f: TraceFields,
  observation: { version?: string | undefined; environment?: string | undefined } | undefined,
  a: AttributeList,
): void {
  if (f.name !== undefined) a.push(str('langfuse.trace.name', f.name));
  if (f.input !== undefined) a.push(str('langfuse.trace.input', f.input));
  if (f.output !== undefined) a.push(str('langfuse.trace.output', f.output));
  if (f.metadata !== undefined) a.push(str('langfuse.trace.metadata', f.metadata));
  if (f.userId !== undefined) a.push(str('user.id', f.userId));
  if (f.sessionId !== undefined) a.push(str('session.id', f.sessionId));
  if (f.tags !== undefined) a.push(arr('langfuse.trace.tags', f.tags));
  if (f.public !== undefined) a.push(bool('langfuse.trace.public', f.public));
  if (f.release !== undefined) a.push(str('langfuse.release', f.release));
  // One attribute serves both trace and observation version and environment; the observation's wins.
  if (f.version !== undefined && observation?.version === undefined) a.push(str('langfuse.version', f.version));
  if (f.environment !== undefined && observation?.environment === undefined)
    a.push(str('langfuse.environment', f.environment));
}

export function resourceAttributes(values: {
  serviceName: string;
  sdkVersion: string;
  environment: string | undefined;
  release: string | undefined;
}): AttributeList {
  const a = [
    str('service.name', values.serviceName),
    str('telemetry.sdk.name', 'fusewire'),
    str('telemetry.sdk.language', 'nodejs'),
    str('telemetry.sdk.version', values.sdkVersion),
  ];
  if (values.environment !== undefined) a.push(str('langfuse.environment', values.environment));
  if (values.release !== undefined) a.push(str('langfuse.release', values.release));
  return a;
}
