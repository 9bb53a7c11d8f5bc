import type { ContextStore } from '../api/context.js';
import { now } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import type { LogSink } from '../runtime/logger.js';
import type { MaskContext } from '../runtime/options.js';
import { logInternalError } from './internal-error.js';
import type { Ledger } from './ledger.js';
import { estimateBytes } from './normalize.js';
import type { RawRecord } from './raw-record.js';
import { Fifo } from '../runtime/fifo.js';

/** A caller's mask: called with every input, output and metadata value. */
export type Mask = (value: unknown, context: MaskContext) => unknown;

const MASKED_FIELDS = ['input', 'output', 'metadata'] as const;
const MASK_FAILED = '[fusewire: mask failed, value withheld]';
/** What a message that could not even be copied is counted as. */
const UNREADABLE_BYTES = 64;
/**
 * A drain is asked for once this many (estimated) bytes arrived since the last ask, not only at
 * `flushAt` records: a raw record keeps the caller's objects alive, and held until `flushAt` or the
 * interval tick (an LLM server's 20 KB histories at 200/s waited 2.5 s) they outlive young-generation
 * scavenges, which copy them: 10–20 ms stalls. Small, frequent events reach `flushAt` soon enough,
 * and asking for a drain every few events cost about 5% CPU per span.
 */
const BACKLOG_BYTES = 256 * 1024;

export interface IntakeOptions {
  ledger: Ledger;
  log: LogSink;
  flushAt: number;
  maxQueueSize: number;
  maxQueueBytes: number;
  /** Called when enough raw records wait for a drain to be worth it. */
  backlog: () => void;
}

/**
 * The hot path: runs on the publisher's stack. Constant work per publish — a shallow copy, the
 * masks, a byte estimate and a push — no I/O, no JSON, and it never throws. Everything else
 * waits for the drain.
 */
export class Intake {
  readonly #ledger: Ledger;
  readonly #log: LogSink;
  readonly #options: IntakeOptions;
  readonly #masks: Mask[] = [];
  readonly #raw = new Fifo<RawRecord>();
  #accepting = true;
  #overflowing = false;
  #refusedWhileFull = 0;
  #bytesSinceBacklog = 0;

  constructor(options: IntakeOptions) {
    this.#ledger = options.ledger;
    this.#log = options.log;
    this.#options = options;
  }

  /** Raw records waiting for the drain. */
  get waiting(): number {
    return this.#raw.size;
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  /** Adds a mask; masks run in the order they were added, and none is ever skipped. */
  addMask(mask: Mask): void {
    if (!this.#masks.includes(mask)) this.#masks.push(mask);
  }

  /** From now on every message is counted under `dropped.after_shutdown`. */
  stop(): void {
    this.#accepting = false;
  }

  accept(kind: string, message: unknown, context: ContextStore | undefined): void {
    // Handed but not yet admitted: if something throws in between, it is counted invalid.
    let unaccounted = false;
    try {
      if (context !== undefined && context.suppressed === true) return;
      if (!this.#room()) return;
      unaccounted = true;
      let copy: Record<string, unknown> | undefined;
      let problem: string | undefined;
      if (typeof message !== 'object' || message === null) {
        problem = `expected an object, got ${message === null ? 'null' : typeof message}`;
      } else {
        // Even looking at a hostile message can throw (a revoked Proxy): all of it is guarded.
        try {
          if (Array.isArray(message)) problem = 'expected an object, got an array';
          else copy = { ...message };
        } catch (error) {
          problem = `reading the message threw: ${describeError(error)}`;
        }
      }
      // Stamped before the masks run: instrumentation uses this time as an end time.
      this.#admit(kind, copy, problem, context, now());
      unaccounted = false;
    } catch (error) {
      if (unaccounted) this.#ledger.refused('invalid');
      logInternalError(this.#log, 'accept', error);
    }
  }

  /**
   * fusewire's own messages (an observation ending, a trace scope's fields): a fresh plain object
   * handed over for good, so it is not copied, and `acceptedAt` is the clock read the caller
   * already made (a root observation and its trace's fields share one). Same accounting as accept().
   */
  acceptOwn(kind: string, message: Record<string, unknown>, acceptedAt: number): void {
    let unaccounted = false;
    try {
      if (!this.#room()) return;
      unaccounted = true;
      this.#admit(kind, message, undefined, undefined, acceptedAt);
      unaccounted = false;
    } catch (error) {
      if (unaccounted) this.#ledger.refused('invalid');
      logInternalError(this.#log, 'accept', error);
    }
  }

  /** Counts the message as handed; false (and counted as refused) when it cannot be taken. */
  #room(): boolean {
    const ledger = this.#ledger;
    ledger.handed();
    if (!this.#accepting) {
      ledger.refused('after_shutdown');
      return false;
    }
    if (!ledger.hasRoom) {
      this.#refuse();
      return false;
    }
    return true;
  }

  #admit(
    kind: string,
    copy: Record<string, unknown> | undefined,
    problem: string | undefined,
    context: ContextStore | undefined,
    acceptedAt: number,
  ): void {
    if (copy !== undefined && this.#masks.length > 0) this.#mask(kind, copy);
    const bytes = copy !== undefined ? estimateBytes(copy) : UNREADABLE_BYTES;
    const ledger = this.#ledger;
    const epoch = ledger.admit(bytes);
    this.#raw.push({ kind, message: copy, acceptedAt, context, bytes, epoch, problem });
    // Recovery is reported below a low-water mark, so a queue hovering at its limit under
    // sustained overload does not log a warning and a recovery for every batch.
    if (this.#overflowing && ledger.belowLowWater) this.#recovered();
    this.#bytesSinceBacklog += bytes;
    if (this.#raw.size >= this.#options.flushAt || this.#bytesSinceBacklog >= BACKLOG_BYTES) {
      this.#bytesSinceBacklog = 0;
      this.#options.backlog();
    }
  }

  /** The oldest raw record, taken for good (whatever happens to it next, it is never taken twice). */
  take(): RawRecord | undefined {
    return this.#raw.shift();
  }

  /** The record `take()` would return, left in place. */
  peek(): RawRecord | undefined {
    return this.#raw.peek();
  }

  /** A record the drain found too big for the byte bound once its real size was known. */
  refuseLate(raw: RawRecord): void {
    this.#ledger.discard(raw.bytes, raw.epoch, 'queue_full');
    this.#noteRefusal();
  }

  #refuse(): void {
    this.#ledger.refused('queue_full');
    this.#noteRefusal();
  }

  #noteRefusal(): void {
    this.#refusedWhileFull++;
    if (this.#overflowing) return;
    this.#overflowing = true;
    const { maxQueueSize, maxQueueBytes } = this.#options;
    setImmediate(() =>
      this.#log.log(
        'warn',
        { code: 'FUSEWIRE_QUEUE_FULL', maxQueueSize, maxQueueBytes },
        'queue full: new events are refused and counted under dropped.queue_full until it drains. Langfuse may be down or slower than your traffic; raise maxQueueSize/maxQueueBytes if this is a burst.',
      ),
    );
  }

  #recovered(): void {
    this.#overflowing = false;
    const refused = this.#refusedWhileFull;
    this.#refusedWhileFull = 0;
    setImmediate(() => this.#log.log('warn', { refused }, `queue accepting again after refusing ${refused} events`));
  }

  #mask(kind: string, copy: Record<string, unknown>): void {
    for (const field of MASKED_FIELDS) {
      if (copy[field] === undefined) continue;
      for (const mask of this.#masks) {
        try {
          copy[field] = mask(copy[field], { field, kind });
        } catch (error) {
          copy[field] = MASK_FAILED;
          this.#log.once(
            `mask:${field}`,
            'error',
            { code: 'FUSEWIRE_MASK_FAILED', field },
            `the mask function threw (${describeError(error)}); the ${field} was withheld. Make the mask total: it is called with every ${field} value.`,
          );
          break;
        }
      }
    }
  }
}
