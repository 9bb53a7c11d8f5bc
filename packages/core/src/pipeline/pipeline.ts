import { now } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import type { ContextStore } from '../api/context.js';
import { DeadLetterList } from './dead-letter.js';
import type { ExportLane } from '../export/export-lane.js';
import { createExportLanes, type ExportLanes } from '../export/export-lanes.js';
import type { ExportReport } from '../export/export-report.js';
import type { PipelineEntry } from '../runtime/global-state.js';
import { LogSink, createConsoleLogger } from '../runtime/logger.js';
import { estimateBytes, normalize, type RawRecord } from './normalize.js';
import type { ResolvedOptions } from '../runtime/options.js';
import type { DropReason, ExportRecord } from '../model/records.js';
import { Counters, type FusewireStats } from './stats.js';

const CHUNK = 2048;
const MASKED_FIELDS = ['input', 'output', 'metadata'] as const;
const MASK_FAILED = '[fusewire: mask failed, value withheld]';
const DEAD_LETTERED = new Set<DropReason>([
  'invalid',
  'non_retryable',
  'retry_exhausted',
  'too_large',
  'shutdown_timeout',
]);

/**
 * The core of a running client: the hot path that takes messages, the deferred step
 * that validates and normalises them, and the export lanes that ship them.
 */
export class Pipeline implements PipelineEntry {
  readonly counters = new Counters();
  readonly deadLetters: DeadLetterList;
  readonly log: LogSink;
  readonly #opts: ResolvedOptions;
  readonly #export: ExportLanes;
  readonly #traceLane: ExportLane;
  readonly #scoreLane: ExportLane;
  readonly #lanes: ExportLane[];

  #raw: Array<RawRecord | undefined> = [];
  #rawHead = 0;
  #size = 0;
  #bytes = 0;
  #accepting = true;
  #overflowing = false;
  #refused = 0;
  #drainScheduled = false;
  #finalWaiters = 0;
  #interval: NodeJS.Timeout | undefined;
  readonly #exportLogKeys = new Set<string>();

  // flush() waits for the events accepted before it: epochs count them without per-event work.
  #epoch = 0;
  #epochPending = 0;
  readonly #sealed = new Map<number, number>();
  #epochWaiters: Array<{ epoch: number; resolve: () => void }> = [];

  #shutdown: Promise<FusewireStats> | undefined;
  readonly #onBeforeExit: () => void;
  readonly #onExit: () => void;
  #lastExitPending = -1;

  constructor(opts: ResolvedOptions) {
    this.#opts = opts;
    this.log = new LogSink(opts.logger ?? createConsoleLogger(), [opts.secretKey]);
    this.deadLetters = new DeadLetterList(opts.deadLetterSize, (s) => this.log.scrub(s));
    this.#export = createExportLanes(opts, this.#report(), opts.delivery, (key, message) =>
      this.log.once(`v4:${key}`, 'warn', {}, message),
    );
    this.#traceLane = this.#export.trace;
    this.#scoreLane = this.#export.score;
    this.#lanes = this.#export.all;
    this.#interval = setInterval(() => this.#tick(), opts.flushIntervalMs);
    this.#interval.unref();
    this.#onBeforeExit = () => this.#beforeExit();
    this.#onExit = () => this.#exit();
    if (opts.flushOnExit) process.on('beforeExit', this.#onBeforeExit);
    process.on('exit', this.#onExit);
  }

  /** The hot path: runs on the publisher's stack. Constant work, no I/O, no JSON, never throws. */
  accept(kind: string, message: unknown, store: ContextStore | undefined): void {
    // Counted in enqueued but not yet anywhere else: if something throws, it is counted invalid.
    let unaccounted = false;
    try {
      if (store !== undefined && store.suppressed === true) return;
      this.counters.enqueued++;
      if (!this.#accepting) {
        this.counters.dropped.after_shutdown++;
        return;
      }
      if (this.#size >= this.#opts.maxQueueSize || this.#bytes >= this.#opts.maxQueueBytes) {
        this.#refuse();
        return;
      }
      unaccounted = true;
      let m: Record<string, unknown> | undefined;
      let err: string | undefined;
      if (typeof message !== 'object' || message === null) {
        err = `expected an object, got ${message === null ? 'null' : typeof message}`;
      } else {
        // Even looking at a hostile message can throw (a revoked Proxy): all of it is guarded.
        try {
          if (Array.isArray(message)) err = 'expected an object, got an array';
          else m = { ...message };
        } catch (error) {
          err = `reading the message threw: ${describeError(error)}`;
        }
      }
      // Stamped before the mask runs: instrumentation uses this time as an end time.
      const t = now();
      if (m !== undefined && this.#opts.mask !== undefined) this.#mask(kind, m);
      const b = m !== undefined ? estimateBytes(m) : 64;
      this.#raw.push({ k: kind, m, t, c: store, b, e: this.#epoch, err });
      this.#size++;
      this.#bytes += b;
      this.#epochPending++;
      unaccounted = false;
      // Recovery is reported below a low-water mark, so a queue hovering at its limit under
      // sustained overload does not log a warning and a recovery for every batch.
      if (
        this.#overflowing &&
        this.#size * 2 <= this.#opts.maxQueueSize &&
        this.#bytes * 2 <= this.#opts.maxQueueBytes
      ) {
        this.#recovered();
      }
      if (!this.#drainScheduled && this.#raw.length - this.#rawHead >= this.#opts.flushAt) this.#scheduleDrain();
    } catch (error) {
      if (unaccounted) this.counters.dropped.invalid++;
      this.log.once(
        `accept:${describeError(error)}`,
        'error',
        {},
        `fusewire hit an internal error: ${describeError(error)}`,
      );
    }
  }

  #mask(kind: string, m: Record<string, unknown>): void {
    const mask = this.#opts.mask!;
    for (const field of MASKED_FIELDS) {
      if (m[field] === undefined) continue;
      try {
        m[field] = mask(m[field], { field, kind });
      } catch (error) {
        m[field] = MASK_FAILED;
        this.log.once(
          `mask:${field}`,
          'error',
          { code: 'FUSEWIRE_MASK_FAILED', field },
          `the mask function threw (${describeError(error)}); the ${field} was withheld. Make the mask total: it is called with every ${field} value.`,
        );
      }
    }
  }

  #refuse(): void {
    this.counters.dropped.queue_full++;
    this.#refused++;
    if (!this.#overflowing) {
      this.#overflowing = true;
      const { maxQueueSize, maxQueueBytes } = this.#opts;
      setImmediate(() =>
        this.log.log(
          'warn',
          { code: 'FUSEWIRE_QUEUE_FULL', maxQueueSize, maxQueueBytes },
          'queue full: new events are refused and counted under dropped.queue_full until it drains. Langfuse may be down or slower than your traffic; raise maxQueueSize/maxQueueBytes if this is a burst.',
        ),
      );
    }
  }

  #recovered(): void {
    this.#overflowing = false;
    const refused = this.#refused;
    this.#refused = 0;
    setImmediate(() => this.log.log('warn', { refused }, `queue accepting again after refusing ${refused} events`));
  }

  #scheduleDrain(): void {
    this.#drainScheduled = true;
    setImmediate(() => this.#drain());
  }

  /** Normalises a chunk of raw records, feeds the lanes, and comes back for more. */
  #drain(): void {
    this.#drainScheduled = false;
    try {
      const end = Math.min(this.#raw.length, this.#rawHead + CHUNK);
      while (this.#rawHead < end) {
        // Advance first: whatever happens to this record, it is never taken twice.
        const raw = this.#raw[this.#rawHead]!;
        this.#raw[this.#rawHead++] = undefined;
        try {
          this.#normalizeOne(raw);
        } catch (error) {
          // Only reporting (dead letter, log) can still throw here: the record is accounted for.
          this.log.once(
            `normalize:${describeError(error)}`,
            'error',
            {},
            `fusewire hit an internal error: ${describeError(error)}`,
          );
        }
      }
      if (this.#rawHead >= this.#raw.length) {
        this.#raw = [];
        this.#rawHead = 0;
      }
      // Final (send what would rather wait) only once every raw record is normalised: a trace
      // update must not be forced out alone while its root span is still in the next chunk.
      const flushing = this.#finalWaiters > 0;
      const final = flushing && this.#rawHead >= this.#raw.length;
      for (const lane of this.#lanes) lane.pump({ partial: flushing, final });
      if (this.#rawHead < this.#raw.length) this.#scheduleDrain();
    } catch (error) {
      this.log.once(
        `drain:${describeError(error)}`,
        'error',
        {},
        `fusewire hit an internal error: ${describeError(error)}`,
      );
    }
  }

  #normalizeOne(raw: RawRecord): void {
    let result: ReturnType<typeof normalize>;
    try {
      result = normalize(raw, this.#opts.sampleRate, this.#opts.maxBatchBytes);
    } catch (error) {
      result = { ok: false, reason: 'invalid', problem: { path: '(message)', message: describeError(error) } };
    }
    if (result.ok) {
      const record = result.record;
      // Now the real size is known: the byte bound holds for what the estimate missed too.
      if (this.#bytes - raw.b + record.bytes > this.#opts.maxQueueBytes && record.bytes > raw.b) {
        this.#bytes -= raw.b;
        this.#size--;
        this.#settleEpoch(raw.e);
        this.#refuse();
        return;
      }
      this.#bytes += record.bytes - raw.b;
      (record.kind === 'score' ? this.#scoreLane : this.#traceLane).add(record);
      return;
    }
    this.#bytes -= raw.b;
    this.#size--;
    this.#settleEpoch(raw.e);
    if (result.reason === 'sampled') {
      this.counters.dropped.sampled++;
      return;
    }
    this.counters.dropped.invalid++;
    const { path, message } = result.problem;
    const channel =
      raw.k === 'trace' || raw.k === 'score' ? raw.k : raw.k === 'generation' || raw.k === 'event' ? raw.k : 'span';
    this.deadLetters.add({ reason: 'invalid', kind: raw.k, message: `${path}: ${message}` }, raw.m ?? raw.err);
    // Name the message, so the publisher can be found (onboarding: message wording).
    const named = messageName(raw.m);
    const name = named === undefined ? '' : ` ${JSON.stringify(named)}`;
    this.log.once(
      `invalid:${raw.k}:${path}:${message}`,
      'warn',
      {
        code: 'FUSEWIRE_INVALID_MESSAGE',
        channel: `langfuse.${channel}`,
        path,
        ...(named === undefined ? {} : { name: named }),
      },
      `invalid message${name} on langfuse.${channel} at ${path}: ${message}. It was dropped and kept in deadLetters(); fix the publisher.`,
    );
  }

  #report(): ExportReport {
    return {
      settle: (records, outcome, detail) => this.#settle(records, outcome, detail),
      isSettled: (record) => record.settled === true,
      requestSent: (bytes) => {
        this.counters.requests++;
        this.counters.bytesSent += bytes;
      },
      retrying: () => {
        this.counters.retries++;
      },
      exportFailed: (code, message, willRetry) => {
        this.counters.setError(code, this.log.scrub(message));
        // Separate keys for "retrying" and "gave up": the loss must be logged even after the
        // retry warning; both are forgotten on recovery so the next outage is reported too.
        const key = `export:${code}:${willRetry ? 'retry' : 'fail'}`;
        this.#exportLogKeys.add(key);
        this.log.once(
          key,
          willRetry ? 'warn' : 'error',
          { code: willRetry ? 'FUSEWIRE_EXPORT_RETRYING' : 'FUSEWIRE_EXPORT_FAILED', cause: code },
          willRetry ? `export failed, retrying with backoff: ${message}` : `export failed: ${message}`,
        );
      },
      exportSucceeded: () => {
        if (this.counters.lastError !== undefined) {
          this.counters.lastError = undefined;
          for (const key of this.#exportLogKeys) this.log.forget(key);
          this.#exportLogKeys.clear();
          this.log.log('info', {}, 'export recovered');
        }
      },
    };
  }

  #settle(
    records: readonly ExportRecord[],
    outcome: 'delivered' | DropReason,
    detail?: { message: string; status?: number },
  ): void {
    for (const r of records) {
      if (r.settled) continue;
      r.settled = true;
      this.#size--;
      this.#bytes -= r.bytes;
      this.#settleEpoch(r.epoch);
      if (outcome === 'delivered') {
        this.counters.delivered++;
        continue;
      }
      this.counters.dropped[outcome]++;
      if (DEAD_LETTERED.has(outcome)) {
        const entry = {
          reason: outcome,
          kind: r.kind === 'observation' ? r.type : r.kind,
          message: detail?.message ?? outcome,
          ...(detail?.status !== undefined ? { status: detail.status } : {}),
          ...('traceId' in r && r.traceId !== undefined ? { traceId: r.traceId } : {}),
          ...(r.kind !== 'trace' ? { id: r.id } : {}),
        };
        this.deadLetters.add(entry, r);
      }
    }
  }

  #settleEpoch(epoch: number): void {
    if (epoch === this.#epoch) {
      this.#epochPending--;
      return;
    }
    const left = (this.#sealed.get(epoch) ?? 1) - 1;
    if (left > 0) {
      this.#sealed.set(epoch, left);
      return;
    }
    this.#sealed.delete(epoch);
    this.#wakeEpochWaiters();
  }

  #wakeEpochWaiters(): void {
    const oldest = this.#sealed.keys().next();
    const done = (e: number) => oldest.done || oldest.value > e;
    const still: Array<{ epoch: number; resolve: () => void }> = [];
    for (const w of this.#epochWaiters) {
      if (done(w.epoch)) w.resolve();
      else still.push(w);
    }
    this.#epochWaiters = still;
  }

  #sealEpoch(): number {
    const epoch = this.#epoch;
    if (this.#epochPending > 0) this.#sealed.set(epoch, this.#epochPending);
    this.#epoch++;
    this.#epochPending = 0;
    return epoch;
  }

  #tick(): void {
    try {
      // A flush may be waiting: the tick must not take its final mode away.
      this.#drainNow(this.#finalWaiters > 0);
    } catch (error) {
      this.log.once(
        `tick:${describeError(error)}`,
        'error',
        {},
        `fusewire hit an internal error: ${describeError(error)}`,
      );
    }
  }

  /** Processes every raw record now (in chunks) and lets partial batches leave. */
  #drainNow(final: boolean): void {
    const rawLeft = this.#rawHead < this.#raw.length;
    if (rawLeft && !this.#drainScheduled) this.#scheduleDrain();
    for (const lane of this.#lanes) lane.pump({ partial: true, final: final && !rawLeft });
  }

  /**
   * Sends everything accepted before this call. Resolves with stats when done or when
   * `timeoutMs` passes; never rejects. Overlapping calls share the same requests.
   */
  async flush(timeoutMs = 10_000): Promise<FusewireStats> {
    this.#finalWaiters++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const epoch = this.#sealEpoch();
      const settled = new Promise<void>((resolve) => {
        this.#epochWaiters.push({ epoch, resolve });
        this.#wakeEpochWaiters();
      });
      // A ref'd deadline: an awaited flush keeps a script alive until it is done.
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      });
      this.#drainNow(true);
      await Promise.race([settled, deadline]);
    } catch (error) {
      this.log.once(`flush:${describeError(error)}`, 'error', {}, `flush failed internally: ${describeError(error)}`);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.#finalWaiters--;
    }
    return this.stats();
  }

  /** Stops accepting, sends what it can within `timeoutMs`, counts the rest. Idempotent. */
  shutdown(timeoutMs = 5_000): Promise<FusewireStats> {
    this.#shutdown ??= this.#doShutdown(timeoutMs);
    return this.#shutdown;
  }

  /** The configured share of traces kept, for instrumentation that samples at a trace's root. */
  get sampleRate(): number {
    return this.#opts.sampleRate;
  }

  get isShutdown(): boolean {
    return !this.#accepting;
  }

  async #doShutdown(timeoutMs: number): Promise<FusewireStats> {
    this.#accepting = false;
    if (this.#interval !== undefined) clearInterval(this.#interval);
    process.off('beforeExit', this.#onBeforeExit);
    try {
      await this.flush(timeoutMs);
      const left: ExportRecord[] = [];
      for (const lane of this.#lanes) left.push(...lane.abandon());
      let unsent = left.filter((r) => !r.settled).length;
      this.#settle(left, 'shutdown_timeout', { message: `not sent within the shutdown deadline of ${timeoutMs} ms` });
      for (let i = this.#rawHead; i < this.#raw.length; i++) {
        const raw = this.#raw[i];
        if (raw === undefined) continue;
        unsent++;
        this.#size--;
        this.#bytes -= raw.b;
        this.#settleEpoch(raw.e);
        this.counters.dropped.shutdown_timeout++;
      }
      this.#raw = [];
      this.#rawHead = 0;
      if (unsent > 0) {
        this.log.log(
          'warn',
          { code: 'FUSEWIRE_SHUTDOWN_TIMEOUT', unsent },
          `shutdown deadline (${timeoutMs} ms) passed with ${unsent} events unsent; they are counted under dropped.shutdown_timeout. Give shutdown() more time or check that Langfuse is reachable.`,
        );
      }
      await this.#export.close();
    } catch (error) {
      this.log.once(
        `shutdown:${describeError(error)}`,
        'error',
        {},
        `shutdown failed internally: ${describeError(error)}`,
      );
    }
    process.off('exit', this.#onExit);
    return this.stats();
  }

  #beforeExit(): void {
    const pending = this.#size;
    // Flush again only while flushing makes progress, so a dead backend cannot keep the process alive.
    if (pending === 0 || pending === this.#lastExitPending) return;
    this.#lastExitPending = pending;
    void this.flush(this.#opts.timeoutMs);
  }

  #exit(): void {
    if (this.#size > 0) {
      this.log.log(
        'warn',
        { code: 'FUSEWIRE_SHUTDOWN_TIMEOUT', unsent: this.#size },
        `process exiting with ${this.#size} events unsent. Call await client.shutdown() before exiting.`,
      );
    }
  }

  stats(): FusewireStats {
    const c = this.counters;
    let pending = this.#raw.length - this.#rawHead;
    for (const lane of this.#lanes) pending += lane.pendingCount();
    return {
      enqueued: c.enqueued,
      delivered: c.delivered,
      pending,
      dropped: { ...c.dropped },
      retries: c.retries,
      requests: c.requests,
      bytesSent: c.bytesSent,
      deadLetters: this.deadLetters.size,
      ...(c.lastError !== undefined ? { lastError: { ...c.lastError } } : {}),
      queue: {
        size: this.#size,
        bytes: Math.max(0, this.#bytes),
        maxSize: this.#opts.maxQueueSize,
        maxBytes: this.#opts.maxQueueBytes,
      },
    };
  }
}

/** A message's `name` for a log line: short, and never a throw (a hostile message may be a revoked Proxy). */
function messageName(m: Record<string, unknown> | undefined): string | undefined {
  try {
    const name = m?.name;
    return typeof name === 'string' && name !== '' ? name.slice(0, 80) : undefined;
  } catch {
    return undefined;
  }
}
