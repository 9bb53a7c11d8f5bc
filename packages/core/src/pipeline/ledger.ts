import type { ExportReport } from '../export/export-report.js';
import type { DropReason, ExportRecord } from '../model/records.js';
import type { LogSink } from '../runtime/logger.js';
import { HealthTracker } from '../telemetry/health.js';
import { recordMessage } from '../telemetry/record-message.js';
import { publishDrop, publishRecord, recordsWatched } from '../telemetry/self-telemetry.js';
import type { EventStore, StoreRefusal } from '../seams/store.js';
import { DeadLetterList } from './dead-letter.js';
import { FlushEpochs } from './flush-epochs.js';
import { Counters, type FusewireStats } from './stats.js';

/** What happened to a record in the end. */
export type Outcome = 'delivered' | DropReason;

/** Why a record was not delivered, as the server or the lane put it. */
export interface SettleDetail {
  message: string;
  status?: number;
}

/**
 * The one object the export side reports every outcome through (like Sentry's
 * `recordDroppedEvent`): the export side's {@link ExportReport}, plus the flush mode, which is
 * decided here only. Lanes and the delivery layer hold no counters of their own.
 */
export interface OutcomeReporter extends ExportReport {
  /**
   * True while a flush waits and nothing upstream (intake, store) is left to come: lanes may
   * then send what they would rather hold back.
   */
  readonly final: boolean;
}

// Dropped for a reason worth inspecting: the others (queue_full, sampled, after_shutdown) are policy.
const DEAD_LETTERED = new Set<DropReason>([
  'invalid',
  'non_retryable',
  'rejected_unattributed',
  'retry_exhausted',
  'too_large',
  'shutdown_timeout',
]);

export interface LedgerOptions {
  log: LogSink;
  /** Told the final outcome of every record it handed out. */
  store: EventStore;
  deadLetterSize: number;
  maxQueueSize: number;
  maxQueueBytes: number;
}

/**
 * Owns every count: what was handed to fusewire, what is pending (how many, how many bytes,
 * in which flush epoch), what was delivered or dropped and why, the dead letters, and the
 * rule that a record is settled exactly once. `stats()` is read from here alone.
 */
export class Ledger implements OutcomeReporter {
  readonly counters = new Counters();
  readonly deadLetters: DeadLetterList;
  readonly epochs = new FlushEpochs();
  readonly health = new HealthTracker();
  /** Marks the records this process accepted, to tell them from an earlier process's leftovers. */
  readonly origin = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  readonly #log: LogSink;
  readonly #store: EventStore;
  readonly #limits: { maxSize: number; maxBytes: number };
  /**
   * Records handed out to the lanes and not settled yet: settling removes a record, so a
   * second settle of the same record finds nothing and counts nothing. A Set of the open ones
   * rather than a WeakSet of every settled one: a WeakSet entry per event cost several times
   * the rest of the ledger's work (ephemeron tables are slow to add to and to collect).
   */
  readonly #open = new Set<ExportRecord>();
  readonly #exportLogKeys = new Set<string>();
  #size = 0;
  #bytes = 0;
  /** Of those, records a store that bounds itself took: not counted by the queue bounds. */
  #storedSize = 0;
  #storedBytes = 0;
  #flushesWaiting = 0;
  #upstreamIdle: () => boolean = () => true;
  #onSettled: (count: number) => void = () => {};

  constructor(options: LedgerOptions) {
    this.#log = options.log;
    this.#store = options.store;
    this.#limits = { maxSize: options.maxQueueSize, maxBytes: options.maxQueueBytes };
    this.deadLetters = new DeadLetterList(options.deadLetterSize, (s) => options.log.scrub(s));
  }

  /** Events pending anywhere (intake, store, lanes). */
  get size(): number {
    return this.#size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** True while both bounds leave room for one more event (the bounds count what is in memory). */
  get hasRoom(): boolean {
    return (
      this.#size - this.#storedSize < this.#limits.maxSize && this.#bytes - this.#storedBytes < this.#limits.maxBytes
    );
  }

  /** True once use is at most half of both bounds (where a refusing queue reports recovery). */
  get belowLowWater(): boolean {
    return (
      (this.#size - this.#storedSize) * 2 <= this.#limits.maxSize &&
      (this.#bytes - this.#storedBytes) * 2 <= this.#limits.maxBytes
    );
  }

  /**
   * Records a store that bounds itself took (see `EventStore.boundsItself`): still pending, but no
   * longer counted by the queue bounds (until settled). What a lane holds claimed meanwhile is
   * bounded by the drain's claim window instead.
   */
  stored(records: readonly ExportRecord[]): void {
    for (const record of records) {
      this.#storedSize++;
      this.#storedBytes += record.bytes;
    }
  }

  /** Tells the ledger how to know that intake and store have nothing left to hand the lanes. */
  watchUpstream(idle: () => boolean): void {
    this.#upstreamIdle = idle;
  }

  /** Tells the ledger who wants to know that records settled (room for more claims). */
  watchSettled(listener: (count: number) => void): void {
    this.#onSettled = listener;
  }

  /** Counts a message handed to fusewire (every one, refused or not). */
  handed(): void {
    this.counters.enqueued++;
  }

  /** A handed message that was never admitted (queue full, after shutdown, unreadable). */
  refused(reason: DropReason): void {
    this.counters.dropped[reason]++;
    this.#told(reason);
  }

  /** Takes a message in: it is pending from now on. Returns its flush epoch. */
  admit(bytes: number): number {
    if (this.#size === 0) this.health.startedWaiting();
    this.#size++;
    this.#bytes += bytes;
    return this.epochs.admit();
  }

  /** The estimate of a pending event changed (normalisation knows its real size). */
  resize(delta: number): void {
    this.#bytes += delta;
  }

  /** Would `delta` more bytes break the byte bound? */
  wouldOverflow(delta: number): boolean {
    return delta > 0 && this.#bytes - this.#storedBytes + delta > this.#limits.maxBytes;
  }

  /** A pending event that never became a record (sampled out, invalid, refused, unsent at shutdown). */
  discard(bytes: number, epoch: number, reason: DropReason): void {
    this.#size--;
    this.#bytes -= bytes;
    this.counters.dropped[reason]++;
    this.epochs.settle(epoch);
    this.#told(reason);
  }

  /** Self-telemetry for an event that never became a record (its kind is not known here). */
  #told(reason: DropReason): void {
    publishDrop(reason, 1);
    if (recordsWatched()) publishRecord({ kind: 'unknown', outcome: reason });
  }

  /** A record claimed from the store, on its way to a lane: from now on it is settled exactly once. */
  handedOut(record: ExportRecord): void {
    this.#open.add(record);
  }

  /** A record from an earlier process (a durable store's leftovers): counted as handed and pending now. */
  adopt(record: ExportRecord): void {
    this.counters.enqueued++;
    this.#size++;
    this.#bytes += record.bytes;
    record.epoch = this.epochs.admit();
    if (this.#store.boundsItself === true) this.stored([record]);
  }

  settle(records: readonly ExportRecord[], outcome: Outcome, detail?: SettleDetail): void {
    const fresh = this.#count(records, outcome, detail);
    if (fresh.length === 0) return;
    // Records reach a lane only through the store: with one that bounds itself, each was stored.
    if (this.#store.boundsItself === true) {
      for (const record of fresh) {
        this.#storedSize--;
        this.#storedBytes -= record.bytes;
      }
    }
    try {
      this.#store.settle(fresh, outcome, detail?.message);
    } catch (error) {
      this.#log.once(
        `store.settle`,
        'error',
        {},
        `the ${this.#store.name} store threw from settle(): ${String(error)}`,
      );
    }
    this.#onSettled(fresh.length);
  }

  /**
   * Records the store refused to take (fresh from normalisation, never handed out): dropped
   * with its reason, never handed to the store again.
   */
  unstored(records: readonly ExportRecord[], reason: StoreRefusal): void {
    for (const record of records) this.#open.add(record);
    this.#count(records, reason, { message: `the store refused them (${reason})` });
  }

  /**
   * Claimed records handed back to a durable store at shutdown: they stay pending (the store
   * keeps them for the next process), and this process settles them no more.
   */
  released(records: readonly ExportRecord[]): ExportRecord[] {
    const fresh: ExportRecord[] = [];
    for (const record of records) {
      if (!this.#open.delete(record)) continue;
      this.epochs.settle(record.epoch);
      fresh.push(record);
    }
    return fresh;
  }

  #count(records: readonly ExportRecord[], outcome: Outcome, detail: SettleDetail | undefined): ExportRecord[] {
    const fresh: ExportRecord[] = [];
    for (const record of records) {
      if (!this.#open.delete(record)) continue;
      fresh.push(record);
      this.#size--;
      this.#bytes -= record.bytes;
      this.epochs.settle(record.epoch);
      if (recordsWatched()) publishRecord(recordMessage(record, outcome));
      if (outcome === 'delivered') {
        this.counters.delivered++;
        continue;
      }
      this.counters.dropped[outcome]++;
      publishDrop(outcome, 1, record.kind === 'observation' ? record.type : record.kind);
      if (DEAD_LETTERED.has(outcome)) this.deadLetters.add(deadLetterOf(record, outcome, detail), record);
    }
    return fresh;
  }

  /** Handed out and not settled yet. */
  isOpen(record: ExportRecord): boolean {
    return this.#open.has(record);
  }

  requestSent(bytes: number): void {
    this.counters.requests++;
    this.counters.bytesSent += bytes;
  }

  retrying(): void {
    this.counters.retries++;
  }

  exportFailed(code: string, message: string, willRetry: boolean): void {
    this.counters.setError(code, this.#log.scrub(message));
    // Separate keys for "retrying" and "gave up": the loss must be logged even after the
    // retry warning; both are forgotten on recovery so the next outage is reported too.
    const key = `export:${code}:${willRetry ? 'retry' : 'fail'}`;
    this.#exportLogKeys.add(key);
    this.#log.once(
      key,
      willRetry ? 'warn' : 'error',
      { code: willRetry ? 'FUSEWIRE_EXPORT_RETRYING' : 'FUSEWIRE_EXPORT_FAILED', cause: code },
      willRetry ? `export failed, retrying with backoff: ${message}` : `export failed: ${message}`,
    );
  }

  exportSucceeded(): void {
    this.health.exportSucceeded();
    if (this.counters.lastError === undefined) return;
    this.counters.lastError = undefined;
    for (const key of this.#exportLogKeys) this.#log.forget(key);
    this.#exportLogKeys.clear();
    this.#log.log('info', {}, 'export recovered');
  }

  get flushing(): boolean {
    return this.#flushesWaiting > 0;
  }

  get final(): boolean {
    return this.#flushesWaiting > 0 && this.#upstreamIdle();
  }

  /** A flush starts waiting; the returned function ends it. */
  flushStarted(): () => void {
    this.#flushesWaiting++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#flushesWaiting--;
    };
  }

  stats(): FusewireStats {
    const c = this.counters;
    return {
      enqueued: c.enqueued,
      delivered: c.delivered,
      pending: this.#size,
      dropped: { ...c.dropped },
      retries: c.retries,
      requests: c.requests,
      bytesSent: c.bytesSent,
      deadLetters: this.deadLetters.size,
      ...(c.lastError !== undefined ? { lastError: { ...c.lastError } } : {}),
      queue: {
        size: this.#size - this.#storedSize,
        bytes: Math.max(0, this.#bytes - this.#storedBytes),
        maxSize: this.#limits.maxSize,
        maxBytes: this.#limits.maxBytes,
      },
    };
  }
}

function deadLetterOf(record: ExportRecord, reason: DropReason, detail: SettleDetail | undefined) {
  return {
    reason,
    kind: record.kind === 'observation' ? record.type : record.kind,
    message: detail?.message ?? reason,
    ...(detail?.status !== undefined ? { status: detail.status } : {}),
    ...('traceId' in record && record.traceId !== undefined ? { traceId: record.traceId } : {}),
    ...(record.kind !== 'trace' ? { id: record.id } : {}),
  };
}
