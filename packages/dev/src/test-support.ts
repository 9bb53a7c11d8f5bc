// Helpers for this package's tests (not exported): OTLP requests as fusewire and the Langfuse SDKs send them.
import { randomBytes } from 'node:crypto';

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

type Value = string | number | boolean | string[];

function anyValue(value: Value): Record<string, unknown> {
  if (Array.isArray(value)) return { arrayValue: { values: value.map((v) => ({ stringValue: v })) } };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return { stringValue: value };
}

export interface SpanSpec {
  traceId: string;
  spanId?: string;
  parentSpanId?: string;
  name: string;
  startMs?: number;
  durationMs?: number;
  attributes?: Record<string, Value>;
  status?: { code: number; message?: string };
}

export function otlpSpan(spec: SpanSpec): Record<string, unknown> & { spanId: string } {
  const start = spec.startMs ?? Date.now() - 100;
  const end = start + (spec.durationMs ?? 50);
  const span: Record<string, unknown> & { spanId: string } = {
    traceId: spec.traceId,
    spanId: spec.spanId ?? hex(8),
    name: spec.name,
    kind: 1,
    startTimeUnixNano: `${start}000000`,
    endTimeUnixNano: `${end}000000`,
    attributes: Object.entries(spec.attributes ?? {}).map(([key, value]) => ({ key, value: anyValue(value) })),
    status: spec.status ?? { code: 0 },
  };
  if (spec.parentSpanId) span.parentSpanId = spec.parentSpanId;
  return span;
}

export function otlpRequest(spans: Record<string, unknown>[]): { resourceSpans: unknown[] } {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'test-app' } }] },
        scopeSpans: [{ scope: { name: 'fusewire', version: '0.1.0' }, spans }],
      },
    ],
  };
}

/** A trace of a root span and a generation under it, as fusewire's OTLP exporter writes one. */
export function chatTrace(
  options: { traceId?: string; name?: string; userId?: string; sessionId?: string; level?: string } = {},
) {
  const traceId = options.traceId ?? hex(16);
  const rootId = hex(8);
  const traceAttributes: Record<string, Value> = { 'langfuse.trace.name': options.name ?? 'chat-request' };
  if (options.userId) traceAttributes['user.id'] = options.userId;
  if (options.sessionId) traceAttributes['session.id'] = options.sessionId;
  const root = otlpSpan({
    traceId,
    spanId: rootId,
    name: 'handle',
    durationMs: 120,
    attributes: {
      ...traceAttributes,
      'langfuse.observation.type': 'span',
      'langfuse.observation.input': JSON.stringify({ question: 'What is fusewire?' }),
    },
  });
  const generation = otlpSpan({
    traceId,
    parentSpanId: rootId,
    name: 'chat',
    durationMs: 80,
    attributes: {
      ...traceAttributes,
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gpt-4o',
      'langfuse.observation.usage_details': JSON.stringify({ input: 12, output: 34 }),
      'langfuse.observation.output': JSON.stringify('A tracer.'),
      ...(options.level
        ? { 'langfuse.observation.level': options.level, 'langfuse.observation.status_message': 'model failed' }
        : {}),
    },
  });
  return { traceId, rootId, request: otlpRequest([root, generation]) };
}

export async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Basic cGstbGYtZGV2OnNrLWxmLWRldg==', ...headers },
    body,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}
