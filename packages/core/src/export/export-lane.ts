import { describeError } from '../runtime/errors.js';
import type { EncodedBatch, Exporter } from './exporter.js';
import type { HttpTransport } from './http-transport.js';
import type { DropReason, ExportRecord } from '../model/records.js';
import { type BackoffOptions, classifyError, retryDelay } from './retry-policy.js';

/** What a lane reports back to the pipeline. */
export interface LaneHooks {
  settle(
    records: ExportRecord[],
    outcome: 'delivered' | DropReason,
    detail?: { message: string; status?: number },
  ): void;
  request(bytes: number): void;
  retry(): void;
  exportError(code: string, message: string, willRetry: boolean): void;
  exportOk(): void;
  /** True while someone awaits a flush: timers must then keep the process alive. */
  keepAlive(): boolean;
}

export interface LaneOptions {
  flushAt: number;
  maxBatchBytes: number;
  concurrency: number;
  maxRetryElapsedMs: number;
  backoff?: BackoffOptions;
}

// JSON escaping makes the body larger than our field-length estimate.
const BYTES_SAFETY = 1.25;

/**
 * One endpoint's queue of normalised records: forms batches by count and bytes, keeps at
 * most `concurrency` requests in flight, retries with backoff, splits on 413, and settles
 * every record exactly once.
 */
export class ExportLane {
  readonly #exporter: Exporter;
  readonly #transport: HttpTransport;
  readonly #hooks: LaneHooks;
  readonly #options: LaneOptions;
  // A FIFO read from #head, so taking a batch never copies the rest of a long backlog.
  #queue: ExportRecord[] = [];
  #head = 0;
  #queueBytes = 0;
  #held: ExportRecord[] = [];
  readonly #inFlight = new Set<ExportRecord[]>();
  #active = 0;
  #drainAll = false;
  #final = false;
  readonly #abort = new AbortController();
  readonly #wakers = new Set<() => void>();

  constructor(exporter: Exporter, transport: HttpTransport, hooks: LaneHooks, options: LaneOptions) {
    this.#exporter = exporter;
    this.#transport = transport;
    this.#hooks = hooks;
    this.#options = options;
  }

  get name(): string {
    return this.#exporter.name;
  }

  add(record: ExportRecord): void {
    this.#queue.push(record);
    this.#queueBytes += record.bytes;
  }

  /** Records not yet settled: queued, held back, or in flight. */
  pendingCount(): number {
    let n = this.#queue.length - this.#head + this.#held.length;
    // A batch stays in flight while part of it waits (207 retry, 413 halves): count only
    // what is not yet settled, or stats() counts the delivered part twice.
    for (const batch of this.#inFlight) for (const r of batch) if (r.settled !== true) n++;
    return n;
  }

  /**
   * Starts exports while there is room. Without `partial` only full batches leave;
   * with it, everything queued now leaves. `final` also sends records an exporter
   * would rather hold back (flush and shutdown).
   */
  pump(mode: { partial?: boolean; final?: boolean } = {}): void {
    if (this.#abort.signal.aborted) return;
    if (mode.partial) this.#drainAll = true;
    this.#final = mode.final ?? false;
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
      if (size > limit) {
        this.#queueBytes -= r.bytes;
        this.#hooks.settle([r], 'too_large', {
          message: `event of about ${Math.round(size)} bytes is larger than maxBatchBytes (${limit})`,
        });
        continue;
      }
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
    try {
      await this.#export(records, Date.now());
    } catch (error) {
      // #export handles everything it expects; this is the last line of defence.
      const message = describeError(error);
      this.#hooks.exportError('INTERNAL', message, false);
      this.#hooks.settle(records, 'non_retryable', { message: `internal error: ${message}` });
    } finally {
      this.#inFlight.delete(records);
      this.#active--;
      this.pump({ final: this.#final });
    }
  }

  async #export(records: ExportRecord[], started: number): Promise<void> {
    let batch: EncodedBatch = this.#encode(records);
    let attempt = 0;
    while (batch.records.length > 0) {
      if (this.#abort.signal.aborted) return;
      this.#hooks.request(Buffer.byteLength(batch.body));
      const response = await this.#transport.post(batch.path, batch.body, batch.contentType, this.#abort.signal);
      if (this.#abort.signal.aborted) return;
      const outcome = response.ok
        ? this.#exporter.classify(response.status, response.retryAfter, response.body, batch)
        : classifyError(response.error);
      let retryAfterMs: number | undefined;
      let message = '';
      switch (outcome.kind) {
        case 'success':
          this.#hooks.exportOk();
          this.#hooks.settle(batch.records, 'delivered');
          return;
        case 'failure':
          this.#hooks.exportError(outcome.code, outcome.message, false);
          this.#hooks.settle(batch.records, 'non_retryable', {
            message: outcome.message,
            ...(outcome.status !== undefined ? { status: outcome.status } : {}),
          });
          return;
        case 'too_large': {
          if (batch.records.length === 1) {
            this.#hooks.settle(batch.records, 'too_large', { message: 'Langfuse answered 413 for a single event' });
            return;
          }
          const half = Math.ceil(batch.records.length / 2);
          await this.#export(batch.records.slice(0, half), started);
          await this.#export(batch.records.slice(half), started);
          return;
        }
        case 'partial':
          this.#hooks.exportOk();
          this.#hooks.settle(outcome.delivered, 'delivered');
          for (const r of outcome.rejected) this.#hooks.settle([r.record], 'non_retryable', r);
          if (outcome.retry.length === 0) return;
          batch = this.#encode(outcome.retry);
          message = `${outcome.retry.length} events got a 5xx in a 207 answer`;
          break;
        case 'retryable':
          retryAfterMs = outcome.retryAfterMs;
          message = outcome.message;
          break;
      }
      attempt++;
      const delay = retryDelay(attempt, retryAfterMs, this.#options.backoff);
      if (Date.now() - started + delay > this.#options.maxRetryElapsedMs) {
        const code = outcome.kind === 'retryable' ? outcome.code : 'PARTIAL';
        this.#hooks.exportError(code, message, false);
        this.#hooks.settle(batch.records, 'retry_exhausted', {
          message: `gave up after ${attempt} attempts over ${Date.now() - started} ms: ${message}`,
        });
        return;
      }
      this.#hooks.exportError(outcome.kind === 'retryable' ? outcome.code : 'PARTIAL', message, true);
      this.#hooks.retry();
      await this.#sleep(delay);
    }
  }

  #encode(records: ExportRecord[]): EncodedBatch {
    let batch: EncodedBatch;
    try {
      batch = this.#exporter.encode(records);
    } catch {
      // Something in one record will not serialise: find it, drop it alone, send the rest.
      const good: ExportRecord[] = [];
      for (const r of records) {
        try {
          this.#exporter.encode([r]);
          good.push(r);
        } catch (error) {
          this.#hooks.settle([r], 'invalid', { message: `could not be serialised: ${describeError(error)}` });
        }
      }
      batch = this.#exporter.encode(good);
    }
    for (const bad of batch.invalid ?? []) this.#hooks.settle([bad.record], 'invalid', { message: bad.message });
    return batch;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (!this.#hooks.keepAlive()) timer.unref();
      this.#wakers.add(done);
    });
  }

  /** Stops everything and hands back what was not settled (for `shutdown_timeout`). */
  abandon(): ExportRecord[] {
    this.#abort.abort();
    for (const wake of [...this.#wakers]) wake();
    const left = [...this.#queue.slice(this.#head), ...this.#held];
    for (const batch of this.#inFlight) left.push(...batch);
    this.#queue = [];
    this.#head = 0;
    this.#held = [];
    this.#queueBytes = 0;
    return left;
  }
}
