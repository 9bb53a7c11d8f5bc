import type { DropMessage, ExportMessage, Fusewire, RecordMessage } from '@fusewire/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Events, drops, export requests and the queue: fusewire's own health as numbers. */
export class PipelineMetrics {
  readonly #events: Counter<'kind' | 'outcome'>;
  readonly #dropped: Counter<'reason'>;
  readonly #requests: Counter<'status'>;
  readonly #duration: Histogram<'endpoint'>;

  constructor(client: Fusewire, register: Registry, prefix: string) {
    const registers = [register];
    this.#events = new Counter({
      name: `${prefix}events_total`,
      help: 'Events whose fate fusewire knows, by kind (trace, score, observation type) and outcome (delivered or a drop reason)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.#dropped = new Counter({
      name: `${prefix}dropped_total`,
      help: 'Events not delivered, by reason (queue_full, invalid, retry_exhausted, …)',
      labelNames: ['reason'],
      registers,
    });
    this.#requests = new Counter({
      name: `${prefix}export_requests_total`,
      help: 'Export attempts by HTTP status (or the error code of an attempt with no answer)',
      labelNames: ['status'],
      registers,
    });
    this.#duration = new Histogram({
      name: `${prefix}export_duration_seconds`,
      help: 'Export attempt duration, by endpoint',
      labelNames: ['endpoint'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    // Gauges read the queue at scrape time: nothing to keep up to date on the hot path.
    new Gauge({
      name: `${prefix}queue_events`,
      help: 'Events waiting to be delivered (queued, in flight or waiting for a retry)',
      registers,
      collect() {
        this.set(safeStats(client)?.queue.size ?? 0);
      },
    });
    new Gauge({
      name: `${prefix}queue_bytes`,
      help: 'Estimated bytes of the events waiting to be delivered',
      registers,
      collect() {
        this.set(safeStats(client)?.queue.bytes ?? 0);
      },
    });
  }

  record(message: RecordMessage): void {
    this.#events.inc({ kind: message.kind, outcome: message.outcome });
  }

  drop(message: DropMessage): void {
    this.#dropped.inc({ reason: message.reason }, message.count);
  }

  export(message: ExportMessage): void {
    this.#requests.inc({ status: String(message.status ?? message.code ?? message.outcome) });
    this.#duration.observe({ endpoint: message.endpoint }, message.durationMs / 1000);
  }
}

function safeStats(client: Fusewire) {
  try {
    return client.stats();
  } catch {
    return undefined;
  }
}
