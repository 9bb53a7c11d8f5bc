import { createLangfuseModel } from '@fusewire/langfuse-model';
import type { IngestionEvent, ReceivedSpan, TraceView } from './types.js';

/**
 * Spans and ingestion events as Langfuse v4 would show them, one tree per trace (a fresh
 * `@fusewire/langfuse-model` fed with both). `received.traces()` gives the same for what the server accepted.
 */
export function buildTraces(spans: readonly ReceivedSpan[], events: readonly IngestionEvent[]): TraceView[] {
  const model = createLangfuseModel();
  model.ingestSpans(spans);
  model.ingestBatch(events);
  return model.traces();
}
