import { failure, jsonAnswer, type Answer } from './answer.js';
import { flattenOtlpRequest, forEachSpanId, type OtlpValidation } from './otlp-request.js';
import type { ReceivedStore } from './received-store.js';

/**
 * Store an authenticated, parsed OTLP/JSON export. Validation already ran (it also counts the spans);
 * an invalid request stores nothing.
 */
export function handleOtlp(body: unknown, validation: OtlpValidation, store: ReceivedStore): Answer {
  if (!validation.ok) return failure(400, validation.message);
  if (store.keepBodies) {
    const spans = flattenOtlpRequest(body);
    for (const span of spans) store.addSpanId(span.spanId);
    store.addSpans(spans);
  } else {
    forEachSpanId(body, (spanId) => store.addSpanId(spanId));
  }
  return jsonAnswer(200, {});
}
