import type { ObservationRecord, TraceFields } from './records.js';

/** One OTLP/JSON attribute. */
export interface OtlpAttribute {
  key: string;
  value:
    | { stringValue: string }
    | { doubleValue: number }
    | { boolValue: boolean }
    | { arrayValue: { values: Array<{ stringValue: string }> } };
}

// Numbers go as doubleValue: Langfuse's OTLP reader mishandles intValue sent as a string
// (the OTLP/JSON norm) and intValue 0.
const str = (key: string, value: string): OtlpAttribute => ({ key, value: { stringValue: value } });
const dbl = (key: string, value: number): OtlpAttribute => ({ key, value: { doubleValue: value } });
const bool = (key: string, value: boolean): OtlpAttribute => ({ key, value: { boolValue: value } });
const arr = (key: string, values: string[]): OtlpAttribute => ({
  key,
  value: { arrayValue: { values: values.map((v) => ({ stringValue: v })) } },
});

/**
 * Langfuse shows a string input as the text itself; our fields are JSON text, so a JSON
 * string literal is unwrapped to what the caller passed (what Langfuse's own SDK sends).
 */
export function attributeText(json: string): string {
  if (json.charCodeAt(0) === 34) {
    try {
      return JSON.parse(json) as string;
    } catch {
      return json;
    }
  }
  return json;
}

export function toNanos(ms: number): string {
  const whole = Math.floor(ms);
  const fraction = Math.round((ms - whole) * 1e6);
  if (fraction >= 1e6) return `${whole + 1}000000`;
  return `${whole}${String(fraction).padStart(6, '0')}`;
}

/** The attributes Langfuse maps onto an observation. */
export function observationAttributes(o: ObservationRecord): OtlpAttribute[] {
  const a: OtlpAttribute[] = [str('langfuse.observation.type', o.type)];
  if (o.input !== undefined) a.push(str('langfuse.observation.input', attributeText(o.input)));
  if (o.output !== undefined) a.push(str('langfuse.observation.output', attributeText(o.output)));
  if (o.metadata !== undefined) a.push(str('langfuse.observation.metadata', o.metadata));
  if (o.level !== undefined) a.push(str('langfuse.observation.level', o.level));
  if (o.statusMessage !== undefined) a.push(str('langfuse.observation.status_message', o.statusMessage));
  if (o.version !== undefined) a.push(str('langfuse.version', o.version));
  if (o.environment !== undefined) a.push(str('langfuse.environment', o.environment));
  if (o.model !== undefined) a.push(str('langfuse.observation.model.name', o.model));
  if (o.modelParameters !== undefined)
    a.push(str('langfuse.observation.model.parameters', JSON.stringify(o.modelParameters)));
  if (o.usageDetails !== undefined) a.push(str('langfuse.observation.usage_details', JSON.stringify(o.usageDetails)));
  if (o.costDetails !== undefined) a.push(str('langfuse.observation.cost_details', JSON.stringify(o.costDetails)));
  if (o.completionStartTime !== undefined)
    a.push(str('langfuse.observation.completion_start_time', new Date(o.completionStartTime).toISOString()));
  if (o.promptName !== undefined) a.push(str('langfuse.observation.prompt.name', o.promptName));
  if (o.promptVersion !== undefined) a.push(dbl('langfuse.observation.prompt.version', o.promptVersion));
  return a;
}

/** The attributes Langfuse maps onto the trace; they ride on the trace's root span. */
export function traceAttributes(f: TraceFields, hasObservationVersion: boolean): OtlpAttribute[] {
  const a: OtlpAttribute[] = [];
  if (f.name !== undefined) a.push(str('langfuse.trace.name', f.name));
  if (f.input !== undefined) a.push(str('langfuse.trace.input', attributeText(f.input)));
  if (f.output !== undefined) a.push(str('langfuse.trace.output', attributeText(f.output)));
  if (f.metadata !== undefined) a.push(str('langfuse.trace.metadata', f.metadata));
  if (f.userId !== undefined) a.push(str('user.id', f.userId));
  if (f.sessionId !== undefined) a.push(str('session.id', f.sessionId));
  if (f.tags !== undefined) a.push(arr('langfuse.trace.tags', f.tags));
  if (f.public !== undefined) a.push(bool('langfuse.trace.public', f.public));
  if (f.release !== undefined) a.push(str('langfuse.release', f.release));
  // One attribute serves both trace and observation version; the observation's wins.
  if (f.version !== undefined && !hasObservationVersion) a.push(str('langfuse.version', f.version));
  if (f.environment !== undefined) a.push(str('langfuse.environment', f.environment));
  return a;
}

export function resourceAttributes(values: {
  serviceName: string;
  sdkVersion: string;
  environment: string | undefined;
  release: string | undefined;
}): OtlpAttribute[] {
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
