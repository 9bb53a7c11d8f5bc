import { traceCarrierSpanId } from '../model/ids.js';
import { globalState } from '../runtime/global-state.js';

/** A parsed W3C `traceparent`: the caller's trace and the span this request was sent from. */
export interface RemoteParent {
  /** 32 lowercase hex. */
  traceId: string;
  /** 16 lowercase hex: the caller's span, the parent of this service's first observation. */
  parentObservationId: string;
  /** The caller's sampled flag (fusewire samples by trace id itself; this is for information). */
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Reads a W3C `traceparent` header (`00-<trace id>-<parent id>-<flags>`). Undefined for anything
 * malformed — all-zero ids, version `ff`, wrong lengths, uppercase, not a string — so a bad header
 * starts a new trace instead of an error. An array (repeated header) uses its first value.
 *
 * @example
 * ```ts
 * const parent = parseTraceparent(req.headers.traceparent);
 * await instrument('span', { name: 'handle', ...(parent && { traceId: parent.traceId, parentObservationId: parent.parentObservationId }) }, work);
 * ```
 */
export function parseTraceparent(header: unknown): RemoteParent | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (m === null) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string?];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, parentObservationId: parentId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/**
 * Headers that continue the current trace in another service: `{ traceparent }` for the current
 * observation (W3C Trace Context), `{}` outside a trace or when fusewire is not running. Put them on
 * outgoing requests; a fusewire service on the other side (Express middleware, Next.js wrapper)
 * continues the same trace, and so does any OpenTelemetry-instrumented one.
 *
 * @example
 * ```ts
 * await fetch('http://billing/charge', { method: 'POST', headers: { ...traceHeaders(), 'content-type': 'application/json' }, body });
 * ```
 */
export function traceHeaders(): { traceparent?: string } {
  try {
    const store = globalState().storage.getStore();
    if (store === undefined || store.suppressed === true || store.traceId === '') return {};
    // At the top of a withTrace block there is no observation yet: a stable id stands in for the trace.
    const parent = store.observationId ?? traceCarrierSpanId(store.traceId);
    return { traceparent: `00-${store.traceId}-${parent}-${store.sampled === false ? '00' : '01'}` };
  } catch {
    return {};
  }
}
