import type { ContextStore } from '../api/context.js';
import type { ExportRecord } from '../model/records.js';
import type { PipelineEntry } from '../runtime/global-state.js';
import type { LogSink } from '../runtime/logger.js';
import type { EventStore, StoreStats } from '../seams/store.js';
import type { Drain, LaneInput } from './drain.js';
import type { Intake, Mask } from './intake.js';
import { logInternalError } from './internal-error.js';
import type { Ledger } from './ledger.js';
import { Lifecycle, type LifecycleOptions } from './lifecycle.js';
import type { FusewireStats } from './stats.js';

/** The parts a pipeline is made of; `createPipeline()` (api/create-pipeline.ts) builds them. */
export interface PipelineParts {
  log: LogSink;
  ledger: Ledger;
  intake: Intake;
  drain: Drain;
  store: EventStore;
  lanes: readonly LaneInput[];
  /** Closes the connections at the end of shutdown. */
  closeTransport: () => Promise<void>;
  sampleRate: number;
  /** See {@link PipelineEntry.rootNamesTrace}. */
  rootNamesTrace: boolean;
  flushIntervalMs: number;
  /** For a durable store: drain at least this often. */
  maxAppendDelayMs: number | undefined;
  lifecycle: Omit<LifecycleOptions, 'log'>;
}

/**
 * A running pipeline: intake → drain → store → lanes, with the ledger counting everything.
 * This class only sequences them: the interval tick, flush, shutdown and stats.
 */
export class Pipeline implements PipelineEntry {
  readonly log: LogSink;
  readonly sampleRate: number;
  readonly rootNamesTrace: boolean;
  readonly #parts: PipelineParts;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #lifecycle: Lifecycle;
  #shutdown: Promise<FusewireStats> | undefined;

  constructor(parts: PipelineParts) {
    this.#parts = parts;
    this.log = parts.log;
    this.sampleRate = parts.sampleRate;
    this.rootNamesTrace = parts.rootNamesTrace;
    this.#every(parts.flushIntervalMs, () => parts.drain.runPartial());
    // A durable store's promise is a bounded window: intake reaches it at least this often.
    if (parts.store.durable && parts.maxAppendDelayMs !== undefined && parts.maxAppendDelayMs < parts.flushIntervalMs) {
      this.#every(parts.maxAppendDelayMs, () => parts.drain.run());
    }
    this.#lifecycle = new Lifecycle(
      { pending: () => parts.ledger.size, flush: (t) => this.flush(t), shutdown: (t) => this.shutdown(t) },
      { log: parts.log, ...parts.lifecycle },
    );
    this.#lifecycle.install();
  }

  /** The hot path (see intake.ts). */
  accept(kind: string, message: unknown, store: ContextStore | undefined): void {
    this.#parts.intake.accept(kind, message, store);
  }

  /** fusewire's own messages, handed over for good (see intake.ts). */
  acceptOwn(kind: string, message: Record<string, unknown>, acceptedAt: number): void {
    this.#parts.intake.acceptOwn(kind, message, acceptedAt);
  }

  get isShutdown(): boolean {
    return !this.#parts.intake.accepting;
  }

  /** Adds a mask (a second client's): every mask runs, in order. */
  addMask(mask: Mask): void {
    this.#parts.intake.addMask(mask);
  }

  get ledger(): Ledger {
    return this.#parts.ledger;
  }

  /**
   * Sends everything accepted before this call. Resolves with stats when done or when
   * `timeoutMs` passes (the waiter then leaves); never rejects. Overlapping calls share requests.
   */
  async flush(timeoutMs = 10_000): Promise<FusewireStats> {
    const { ledger, drain, store } = this.#parts;
    const done = ledger.flushStarted();
    try {
      const settled = ledger.epochs.wait(ledger.epochs.seal(), timeoutMs);
      drain.runPartial();
      await settled;
      if (store.durable) await store.flush();
    } catch (error) {
      logInternalError(this.log, 'flush', error, 'flush failed internally');
    } finally {
      done();
    }
    return this.stats();
  }

  /** Stops accepting, sends what it can within `timeoutMs`, counts the rest. Idempotent. */
  shutdown(timeoutMs = 5_000): Promise<FusewireStats> {
    this.#shutdown ??= this.#doShutdown(timeoutMs);
    return this.#shutdown;
  }

  stats(): FusewireStats {
    return this.#parts.ledger.stats();
  }

  /** The store's own view, for health: only a durable store can be unusable. */
  storeStats(): StoreStats | undefined {
    const { store } = this.#parts;
    if (!store.durable) return undefined;
    try {
      return store.stats();
    } catch (error) {
      return { events: 0, bytes: 0, healthy: false, error: `stats() threw: ${String(error)}` };
    }
  }

  async #doShutdown(timeoutMs: number): Promise<FusewireStats> {
    const { intake, drain, ledger, lanes, store } = this.#parts;
    intake.stop();
    for (const timer of this.#timers) clearInterval(timer);
    this.#lifecycle.stopping();
    try {
      await this.flush(timeoutMs);
      const left: ExportRecord[] = [];
      for (const lane of lanes) left.push(...lane.abandon());
      let unsent = 0;
      if (store.durable) {
        // Nothing is lost: what was not sent stays in the store for the next process.
        drain.runToEnd();
        store.release(ledger.released(left));
      } else {
        // A memory store's backlog past the claim window is lost with the process: counted here.
        left.push(...drain.claimRest());
        unsent = left.filter((r) => ledger.isOpen(r)).length;
        ledger.settle(left, 'shutdown_timeout', {
          message: `not sent within the shutdown deadline of ${timeoutMs} ms`,
        });
        for (let raw = intake.take(); raw !== undefined; raw = intake.take()) {
          unsent++;
          ledger.discard(raw.bytes, raw.epoch, 'shutdown_timeout');
        }
      }
      drain.stop();
      if (unsent > 0) {
        this.log.log(
          'warn',
          { code: 'FUSEWIRE_SHUTDOWN_TIMEOUT', unsent },
          `shutdown deadline (${timeoutMs} ms) passed with ${unsent} events unsent; they are counted under dropped.shutdown_timeout. Give shutdown() more time or check that Langfuse is reachable.`,
        );
      }
      await this.#parts.closeTransport();
      await store.flush();
      await store.close();
    } catch (error) {
      logInternalError(this.log, 'shutdown', error, 'shutdown failed internally');
    }
    this.#lifecycle.uninstall();
    return this.stats();
  }

  #every(ms: number, fn: () => void): void {
    const timer = setInterval(() => {
      try {
        fn();
      } catch (error) {
        logInternalError(this.log, 'tick', error);
      }
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}
