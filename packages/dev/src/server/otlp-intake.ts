import type { StoredSpan } from '../store/types.js';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

export type OtlpIntake =
  | { ok: true; byTrace: Map<string, StoredSpan[]>; spanCount: number }
  | { ok: false; message: string };

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function spanProblem(span: unknown): string | undefined {
  if (!isObject(span)) return 'must be an object';
  if (typeof span.traceId !== 'string' || !TRACE_ID.test(span.traceId)) {
    return 'traceId must be 32 lowercase hex characters';
  }
  if (typeof span.spanId !== 'string' || !SPAN_ID.test(span.spanId))
    return 'spanId must be 16 lowercase hex characters';
  const parent = span.parentSpanId;
  if (
    parent !== undefined &&
    parent !== null &&
    parent !== '' &&
    (typeof parent !== 'string' || !SPAN_ID.test(parent))
  ) {
    return 'parentSpanId must be 16 lowercase hex characters or empty';
  }
  if (span.attributes !== undefined && !Array.isArray(span.attributes)) return 'attributes must be a list';
  return undefined;
}

/**
 * Validate an `ExportTraceServiceRequest` like Langfuse (one malformed span rejects the whole request)
 * and split it by trace, each span kept with its resource and scope.
 */
export function readOtlpRequest(body: unknown, receivedAt: number): OtlpIntake {
  if (!isObject(body) || !Array.isArray(body.resourceSpans)) {
    return { ok: false, message: 'Body must be an ExportTraceServiceRequest: {resourceSpans: [...]}' };
  }
  const byTrace = new Map<string, StoredSpan[]>();
  let spanCount = 0;
  for (const [r, rs] of body.resourceSpans.entries()) {
    if (!isObject(rs)) return { ok: false, message: `resourceSpans[${r}] must be an object` };
    const resource = isObject(rs.resource) ? rs.resource : undefined;
    if (!Array.isArray(rs.scopeSpans ?? []))
      return { ok: false, message: `resourceSpans[${r}].scopeSpans must be a list` };
    for (const [s, ss] of (rs.scopeSpans ?? []).entries()) {
      const spans = isObject(ss) ? (ss.spans ?? []) : undefined;
      if (!Array.isArray(spans))
        return { ok: false, message: `resourceSpans[${r}].scopeSpans[${s}].spans must be a list` };
      const scope = isObject(ss.scope) ? ss.scope : undefined;
      for (const [i, span] of spans.entries()) {
        const problem = spanProblem(span);
        if (problem) return { ok: false, message: `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]: ${problem}` };
        const stored: StoredSpan = { kind: 'span', span, resource, scope, receivedAt, bytes: 0 };
        stored.bytes = JSON.stringify(span).length + 64;
        const list = byTrace.get(span.traceId);
        if (list) list.push(stored);
        else byTrace.set(span.traceId, [stored]);
        spanCount++;
      }
    }
  }
  return { ok: true, byTrace, spanCount };
}
