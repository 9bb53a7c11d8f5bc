import type { ExportRecord } from '../model/records.js';
import { describeError } from '../runtime/errors.js';
import type { EndpointPause } from './endpoint-pause.js';
import type { Exporter } from './exporter.js';
import type { ExportReport } from './export-report.js';
import type { RetryingDelivery } from './retrying-delivery.js';

export interface LaneOptions {
  flushAt: number;
  maxBatchBytes: number;
  /** Batches waiting for an answer at once, slow ones aside. */
  concurrency: number;
  /** Slow batches (no answer yet after the slow threshold) that may wait beside them. */
  maxSlow: number;
}

// JSON escaping makes the body larger than our field-length estimate.
const BYTES_SAFETY = 1.25;

/**
 * One endpoint's queue of normalised records: forms batches by count and bytes and keeps at
 * most `concurrency` of them in flight. A batch whose answer is slow stops holding its slot (up
 * to `maxSlow` such batches), so a slow server does not stall the queue behind it. Sending,
 * retrying and settling are the retrying delivery's.
 */
export class ExportLane {
  readonly #exporter: Exporter;
  readonly #sender: RetryingDelivery;
  readonly #pause: EndpointPause;
  readonly #report: ExportReport;
  readonly #options: LaneOptions;
  // A FIFO read from #head, so taking a batch never copies the rest of a long backlog.
  #queue: ExportRecord[] = [];
  #head = 0;
  #queueBytes = 0;
  #held: ExportRecord[] = [];
  readonly #inFlight = new Set<ExportRecord[]>();
  #active = 0;
  #slow = 0;
  #drainAll = false;
  #final = false;
  readonly #abort = new AbortController();

  constructor(
    exporter: Exporter,
    sender: RetryingDelivery,
    pause: EndpointPause,
    report: ExportReport,
    options: LaneOptions,
  ) {
    this.#exporter = exporter;
    this.#sender = sender;
    this.#pause = pause;
    this.#report = report;
    this.#options = options;
  }

  add(record: ExportRecord): void {
    this.#queue.push(record);
    this.#queueBytes += record.bytes;
  }

  /**
   * Starts exports while there is room and the endpoint is not paused. Without `partial` only
   * full batches leave; with it, everything queued now leaves. `final` also sends records an
   * exporter would rather hold back (flush and shutdown).
   */
  pump(mode: { partial?: boolean; final?: boolean } = {}): void {
    if (this.#abort.signal.aborted) return;
    if (mode.partial) this.#drainAll = true;
    this.#final = mode.final ?? false;
    // Paused: what is queued waits here; the pause's end pumps again.
    if (this.#pause.remaining() > 0) return;
    while (this.#active < this.#options.concurrency) {
      const waiting = this.#queue.length - this.#head;
      if (waiting === 0) {
        // Only held records left: on a partial or final pump they may be due (expired, or forced).
        if (this.#held.length > 0 && (mode.partial || mode.final)) this.#prepareAndRun([]);
        break;
      }
      const full = waiting >= this.#options.flushAt || this.#queueBytes >= this.#options.maxBatchBytes;
      if (!full && !this.#drainAll) break;
      const batch = this.#take();
      if (batch.length > 0) this.#prepareAndRun(batch);
    }
    if (this.#queue.length === this.#head) this.#drainAll = false;
  }

  /** Called when the endpoint's pause ends. */
  resume(): void {
    this.pump({ final: this.#final });
  }

  /**
   * Held records ride along with every new batch: a trace update held for its root span
   * leaves in the batch that carries the root, so the two are encoded together.
   */
  #prepareAndRun(batch: ExportRecord[]): void {
    const candidates = this.#held.length > 0 ? this.#held.concat(batch) : batch;
    // Even a final pump holds back while more is queued: the root may be in the next batch.
    const final = this.#final && this.#queue.length === this.#head;
    const { ready, held } = this.#exporter.prepare(candidates, final, Date.now());
    this.#held = held;
    if (ready.length > 0) void this.#run(ready);
  }

  #take(): ExportRecord[] {
    const limit = this.#options.maxBatchBytes;
    const batch: ExportRecord[] = [];
    let bytes = 0;
    let i = this.#head;
    for (; i < this.#queue.length && batch.length < this.#options.flushAt; i++) {
      const r = this.#queue[i]!;
      const size = r.bytes * BYTES_SAFETY;
      // The estimate only fills batches; an event that looks too big leaves alone, and its real
      // encoded size decides (the delivery refuses it as too_large only if it really is).
      if (batch.length > 0 && bytes + size > limit) break;
      bytes += size;
      this.#queueBytes -= r.bytes;
      batch.push(r);
    }
    if (i >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else {
      this.#head = i;
      // Compact now and then so the consumed prefix does not pin memory.
      if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
    }
    return batch;
  }

  async #run(records: ExportRecord[]): Promise<void> {
    this.#active++;
    this.#inFlight.add(records);
    let slow = false;
    // Still in flight (and pending), but no longer holding a slot: the next batch may leave.
    const onSlow = () => {
      if (slow || this.#slow >= this.#options.maxSlow) return;
      slow = true;
      this.#slow++;
      this.#active--;
      this.pump({ final: this.#final });
    };
    try {
      await this.#sender.deliver(records, this.#abort.signal, onSlow);
    } catch (error) {
      // deliver() handles everything it expects; this is the last line of defence.
      const message = describeError(error);
      this.#report.exportFailed('INTERNAL', message, false);
      this.#report.settle(records, 'non_retryable', { message: `internal error: ${message}` });
    } finally {
      this.#inFlight.delete(records);
      if (slow) this.#slow--;
      else this.#active--;
      this.pump({ final: this.#final });
    }
  }

  /** Stops everything and hands back what was not settled (for `shutdown_timeout`). */
  abandon(): ExportRecord[] {
    this.#abort.abort();
    this.#pause.clear();
    this.#sender.wakeAll();
    const left = [...this.#queue.slice(this.#head), ...this.#held];
    for (const batch of this.#inFlight) left.push(...batch);
    this.#queue = [];
    this.#head = 0;
    this.#held = [];
    this.#queueBytes = 0;
    return left;
  }
}
