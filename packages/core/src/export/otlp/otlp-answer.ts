import type { DeliveryResult } from '../../seams/delivery.js';

/** `partialSuccess.rejectedSpans` of an OTLP answer (int64: a number or a decimal string), 0 when absent. */
function rejectedSpans(body: string): { count: number; message: string | undefined } {
  if (!body.includes('rejectedSpans')) return { count: 0, message: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { count: 0, message: undefined }; // cut at the read cap, or not JSON: the server took the request
  }
  const partial = (parsed as { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown } } | null)
    ?.partialSuccess;
  const raw = partial?.rejectedSpans;
  const count = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : 0;
  const message =
    typeof partial?.errorMessage === 'string' && partial.errorMessage !== '' ? partial.errorMessage : undefined;
  return { count: Number.isInteger(count) && count > 0 ? count : 0, message };
}

/** Spans in the request: trace records ride on a span's attributes and make none of their own. */
function spanCount(eventIds: readonly string[]): number {
  let spans = 0;
  for (const id of eventIds) if (!id.startsWith('trace-')) spans++;
  return spans;
}

/**
 * Reads the OTLP endpoint's 2xx answer. Langfuse answers 200 `{}` once it took the spans; another
 * OTLP receiver (a collector, a proxy) may answer 200 with `partialSuccess.rejectedSpans`: a count
 * that names no span. Like OpenTelemetry's own exporters, fusewire does not retry it (the receiver
 * stored the rest; a re-send would duplicate them, and a span refused for what it is is refused
 * again). All spans rejected → `rejected`; some → `partially_rejected` with the count, which the
 * retrying layer reports as loss it cannot attribute to a span.
 */
export function readOtlpAnswer(status: number, body: string, eventIds: readonly string[]): DeliveryResult {
  const { count, message } = rejectedSpans(body);
  if (count === 0) return { kind: 'delivered' };
  const spans = spanCount(eventIds);
  const said = message ? `: ${message}` : '';
  if (count >= spans) {
    return {
      kind: 'rejected',
      code: 'OTLP_REJECTED_SPANS',
      status,
      message: `the OTLP endpoint answered ${status} but rejected ${count} of ${spans} spans${said}`,
    };
  }
  return {
    kind: 'partially_rejected',
    rejected: count,
    code: 'OTLP_PARTIAL_SUCCESS',
    status,
    message: `the OTLP endpoint answered ${status} with partialSuccess: it rejected ${count} of ${spans} spans without naming them${said}`,
  };
}
