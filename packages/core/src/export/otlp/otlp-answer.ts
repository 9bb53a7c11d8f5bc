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

/**
 * Reads the OTLP endpoint's 2xx answer. Langfuse answers 200 once it took the spans; an OTLP
 * collector in between may answer 200 with `partialSuccess.rejectedSpans`, which names no span. So:
 * all rejected → rejected; some → the request is halved and re-sent (`too_large` makes the caller
 * split it), until each rejected span is alone and refused by name. Re-sending the accepted ones adds
 * nothing: Langfuse replaces a span's row by its id.
 */
export function readOtlpAnswer(status: number, body: string, eventIds: readonly string[]): DeliveryResult {
  const { count, message } = rejectedSpans(body);
  if (count === 0) return { kind: 'delivered' };
  if (count >= eventIds.length) {
    return {
      kind: 'rejected',
      code: 'OTLP_REJECTED_SPANS',
      status,
      message: `the OTLP endpoint answered ${status} but rejected ${count} of ${eventIds.length} spans${message ? `: ${message}` : ''}`,
    };
  }
  return { kind: 'too_large' };
}
