import { decodeOtlpRequest } from '@fusewire/langfuse-model';
import type { ReceivedSpan } from './types.js';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** The outcome of validating an `ExportTraceServiceRequest`. */
export type OtlpValidation = { ok: true; spanCount: number } | { ok: false; message: string };

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : `got ${JSON.stringify(value)?.slice(0, 60)}`;
}

function spanProblem(span: unknown): string | undefined {
  if (!isObject(span)) return 'must be an object';
  if (typeof span.traceId !== 'string' || !TRACE_ID.test(span.traceId)) {
    return `traceId must be 32 lowercase hex characters (${show(span.traceId)})`;
  }
  if (typeof span.spanId !== 'string' || !SPAN_ID.test(span.spanId)) {
    return `spanId must be 16 lowercase hex characters (${show(span.spanId)})`;
  }
  const parent = span.parentSpanId;
  if (
    parent !== undefined &&
    parent !== null &&
    parent !== '' &&
    (typeof parent !== 'string' || !SPAN_ID.test(parent))
  ) {
    return `parentSpanId must be 16 lowercase hex characters or empty (${show(parent)})`;
  }
  if (span.attributes !== undefined && !Array.isArray(span.attributes)) return 'attributes must be a list';
  if (span.events !== undefined && !Array.isArray(span.events)) return 'events must be a list';
  return undefined;
}

/**
 * Validate like Langfuse: the body must be `{resourceSpans: [...]}` and one malformed span fails the
 * whole request. Counts spans on the way, so the body is walked once for validation.
 */
export function validateOtlpRequest(body: unknown): OtlpValidation {
  if (!isObject(body) || !Array.isArray(body.resourceSpans)) {
    return { ok: false, message: 'Body must be an ExportTraceServiceRequest: {resourceSpans: [...]}' };
  }
  let spanCount = 0;
  const resourceSpans = body.resourceSpans;
  for (let r = 0; r < resourceSpans.length; r++) {
    const rs = resourceSpans[r];
    if (!isObject(rs)) return { ok: false, message: `resourceSpans[${r}] must be an object` };
    if (rs.resource?.attributes !== undefined && !Array.isArray(rs.resource.attributes)) {
      return { ok: false, message: `resourceSpans[${r}].resource.attributes must be a list` };
    }
    const scopeSpans = rs.scopeSpans;
    if (scopeSpans === undefined || scopeSpans === null) continue;
    if (!Array.isArray(scopeSpans)) return { ok: false, message: `resourceSpans[${r}].scopeSpans must be a list` };
    for (let s = 0; s < scopeSpans.length; s++) {
      const spans = scopeSpans[s]?.spans;
      if (spans === undefined || spans === null) continue;
      if (!Array.isArray(spans)) {
        return { ok: false, message: `resourceSpans[${r}].scopeSpans[${s}].spans must be a list` };
      }
      for (let i = 0; i < spans.length; i++) {
        const problem = spanProblem(spans[i]);
        if (problem) return { ok: false, message: `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]: ${problem}` };
      }
      spanCount += spans.length;
    }
  }
  return { ok: true, spanCount };
}

/** Call `visit` with each span's id of an already validated request (the cheap path: no decoding). */
export function forEachSpanId(body: any, visit: (spanId: string) => void): void {
  for (const rs of body.resourceSpans) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss?.spans ?? []) visit(span.spanId);
    }
  }
}

/** Flatten an already validated request into {@link ReceivedSpan}s with decoded attributes. */
export function flattenOtlpRequest(body: unknown): ReceivedSpan[] {
  return decodeOtlpRequest(body);
}
