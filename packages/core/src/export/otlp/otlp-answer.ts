import type { DeliveryResult } from '../../seams/delivery.js';

/**
 * Reads the OTLP endpoint's 2xx answer. Langfuse answers 200 with a JSON body once it took the spans.
 * (Reading `partialSuccess.rejectedSpans` belongs here: it names no span ids, so it can only
 * refuse counts — v4 owns that rule.)
 */
export function readOtlpAnswer(_status: number, _body: string, _eventIds: readonly string[]): DeliveryResult {
  return { kind: 'delivered' };
}
