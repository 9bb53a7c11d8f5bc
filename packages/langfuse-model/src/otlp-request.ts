import { decodeKeyValues } from './otlp-value.js';
import type { DecodedSpan } from './types.js';

const nanos = (value: unknown): string => (value === undefined || value === null ? '0' : String(value));

const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);

/**
 * Flatten an OTLP/JSON `ExportTraceServiceRequest` (already parsed) into {@link DecodedSpan}s with their
 * attribute lists decoded. Lenient: entries that are not objects are skipped (validating a request the
 * way Langfuse does, one bad span failing all, is the server's job).
 *
 * @example
 * ```ts
 * const spans = decodeOtlpRequest(JSON.parse(body));
 * ```
 */
export function decodeOtlpRequest(request: unknown): DecodedSpan[] {
  const out: DecodedSpan[] = [];
  for (const rs of list((request as any)?.resourceSpans)) {
    if (rs === null || typeof rs !== 'object') continue;
    const resource = decodeKeyValues(rs.resource?.attributes);
    for (const ss of list(rs.scopeSpans)) {
      const scope: DecodedSpan['scope'] = { name: String(ss?.scope?.name ?? '') };
      if (ss?.scope?.version !== undefined) scope.version = String(ss.scope.version);
      for (const span of list(ss?.spans)) {
        if (span === null || typeof span !== 'object') continue;
        const status: DecodedSpan['status'] = { code: Number(span.status?.code ?? 0) || 0 };
        if (span.status?.message) status.message = String(span.status.message);
        const flat: DecodedSpan = {
          traceId: String(span.traceId),
          spanId: String(span.spanId),
          name: String(span.name ?? ''),
          startTimeUnixNano: nanos(span.startTimeUnixNano),
          endTimeUnixNano: nanos(span.endTimeUnixNano),
          kind: Number(span.kind ?? 0) || 0,
          status,
          attributes: decodeKeyValues(span.attributes),
          events: list(span.events).map((e: any) => ({
            name: String(e?.name ?? ''),
            timeUnixNano: nanos(e?.timeUnixNano),
            attributes: decodeKeyValues(e?.attributes),
          })),
          resource,
          scope,
        };
        if (span.parentSpanId) flat.parentSpanId = String(span.parentSpanId);
        out.push(flat);
      }
    }
  }
  return out;
}
