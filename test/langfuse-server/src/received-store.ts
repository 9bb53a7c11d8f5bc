import { createLangfuseModel } from '@fusewire/langfuse-model';
import type { IngestionEvent, Received, ReceivedCounts, ReceivedRequest, ReceivedSpan, TraceView } from './types.js';

/** Count one id; returns true when this is its second sighting (it just became a duplicate). */
function countId(ids: Map<string, number>, id: string): boolean {
  const seen = ids.get(id);
  if (seen === undefined) {
    ids.set(id, 1);
    return false;
  }
  ids.set(id, seen + 1);
  return seen === 1;
}

/**
 * What the server recorded. Arrays are cleared in place by `reset()` so a `received` reference held by
 * a test stays valid. Counters and id maps are kept even when bodies are not.
 */
export class ReceivedStore implements Received {
  readonly requests: ReceivedRequest[] = [];
  readonly spans: ReceivedSpan[] = [];
  readonly events: IngestionEvent[] = [];
  readonly keepBodies: boolean;
  #spanIds = new Map<string, number>();
  #eventIds = new Map<string, number>();
  #requests = 0;
  #spans = 0;
  #events = 0;
  #rejected = 0;
  #rejectedEvents = 0;
  #bytes = 0;
  #duplicateSpans = 0;
  #duplicateEvents = 0;
  readonly #model = createLangfuseModel();

  constructor(keepBodies: boolean) {
    this.keepBodies = keepBodies;
  }

  get counts(): ReceivedCounts {
    return {
      requests: this.#requests,
      spans: this.#spans,
      events: this.#events,
      rejected: this.#rejected,
      rejectedEvents: this.#rejectedEvents,
      bytes: this.#bytes,
      uniqueSpans: this.#spanIds.size,
      uniqueEvents: this.#eventIds.size,
      duplicateSpans: this.#duplicateSpans,
      duplicateEvents: this.#duplicateEvents,
    };
  }

  get uniqueSpanCount(): number {
    return this.#spanIds.size;
  }

  get uniqueEventCount(): number {
    return this.#eventIds.size;
  }

  spanIds(): ReadonlyMap<string, number> {
    return this.#spanIds;
  }

  eventIds(): ReadonlyMap<string, number> {
    return this.#eventIds;
  }

  duplicates(): { spans: number; events: number } {
    return { spans: this.#duplicateSpans, events: this.#duplicateEvents };
  }

  traces(): TraceView[] {
    return this.#model.traces();
  }

  trace(id: string): TraceView | undefined {
    return this.#model.trace(id);
  }

  /** @internal */
  addRequest(request: ReceivedRequest, rejected: boolean): void {
    this.#requests++;
    this.#bytes += request.bytes;
    if (rejected) this.#rejected++;
    this.requests.push(request);
  }

  /** @internal */
  addSpanId(spanId: string): void {
    this.#spans++;
    if (countId(this.#spanIds, spanId)) this.#duplicateSpans++;
  }

  /** @internal */
  addSpans(spans: readonly ReceivedSpan[]): void {
    for (const span of spans) this.spans.push(span);
    this.#model.ingestSpans(spans);
  }

  /** @internal */
  addEvent(event: IngestionEvent): void {
    this.#events++;
    if (countId(this.#eventIds, event.id)) this.#duplicateEvents++;
    if (this.keepBodies) {
      this.events.push(event);
      this.#model.ingestBatch([event]);
    }
  }

  /** @internal */
  rejectEvent(): void {
    this.#rejectedEvents++;
  }

  /** @internal */
  clear(): void {
    this.requests.length = 0;
    this.spans.length = 0;
    this.events.length = 0;
    this.#spanIds.clear();
    this.#eventIds.clear();
    this.#requests = this.#spans = this.#events = this.#rejected = this.#rejectedEvents = this.#bytes = 0;
    this.#duplicateSpans = this.#duplicateEvents = 0;
    this.#model.reset();
  }
}
