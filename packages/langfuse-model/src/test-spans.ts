/** Test helper: OTLP/JSON requests from terse span descriptions. Not exported from the package. */
export interface SpanSpec {
  traceId?: string;
  spanId: string;
  parentSpanId?: string;
  name?: string;
  start?: number;
  end?: number;
  attributes?: Record<string, string | number | boolean | string[]>;
  status?: { code: number; message?: string };
}

export const TRACE = 'a'.repeat(32);

const value = (v: string | number | boolean | string[]) =>
  Array.isArray(v)
    ? { arrayValue: { values: v.map((s) => ({ stringValue: s })) } }
    : typeof v === 'string'
      ? { stringValue: v }
      : typeof v === 'number'
        ? { doubleValue: v }
        : { boolValue: v };

export function otlpRequest(spans: SpanSpec[], resource: Record<string, string> = {}): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: value(v) })) },
        scopeSpans: [
          {
            scope: { name: 'langfuse-sdk-test', version: '1' },
            spans: spans.map((s) => ({
              traceId: s.traceId ?? TRACE,
              spanId: s.spanId,
              ...(s.parentSpanId && { parentSpanId: s.parentSpanId }),
              name: s.name ?? s.spanId,
              kind: 1,
              startTimeUnixNano: `${(s.start ?? 1000) * 1_000_000}`,
              endTimeUnixNano: `${(s.end ?? s.start ?? 1000) * 1_000_000}`,
              attributes: Object.entries(s.attributes ?? {}).map(([key, v]) => ({ key, value: value(v) })),
              status: s.status ?? { code: 0 },
            })),
          },
        ],
      },
    ],
  };
}

export const id16 = (n: number) => n.toString(16).padStart(16, '0');
