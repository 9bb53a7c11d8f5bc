import type { ExportRecord } from '../model/records.js';
import type { LogSink } from '../runtime/logger.js';
import { backgroundTurns, type Turns } from '../runtime/turn-budget.js';
import type { EventStore } from '../seams/store.js';
import { logInternalError } from './internal-error.js';
import type { Intake } from './intake.js';
import type { Ledger } from './ledger.js';
import { type NormalizeContext, normalizeRaw } from './normalize-raw.js';

/** What the drain needs from an export lane. */
export interface LaneInput {
  add(record: ExportRecord): void;
  /** Without `partial` only full batches leave; with it, everything queued now leaves. */
  pump(mode: { partial?: boolean; final?: boolean }): void;
  /** Stops the lane; hands back what it had not settled. */
  abandon(): ExportRecord[];
}

/** Where a record is sent: scores have their own endpoint with OTLP. */
export type LaneRouter = (record: ExportRecord) => LaneInput;

export interface DrainOptions {
  intake: Intake;
  ledger: Ledger;
  store: EventStore;
  lanes: readonly LaneInput[];
  route: LaneRouter;
  log: LogSink;
  sampleRate: number;
  /** Bound for the JSON of one event's object fields (normalize). */
  maxEventBytes: number;
  /**
   * Records the lanes may hold claimed at once: enough to keep every request busy. The rest of a
   * backlog waits in the store (on disk, or in the memory store), not in a lane.
   */
  claimWindow: number;
  claimWindowBytes: number;
  /** The event-loop budget slices run in (the process's one, but for tests). */
  turns?: Pick<Turns, 'later' | 'shareLeft'>;
}

/** Raw records per slice at most; the time a slice may take is its share of fusewire's turn (turn-budget.ts). */
const SLICE_RECORDS = 2048;
/** How often (in records) a slice looks at the clock. */
const CLOCK_EVERY = 16;
/** A record this large took long enough to serialise that the clock is read after it (16 × 200 KB was a 300 ms slice). */
const CLOCK_AFTER_BYTES = 16 * 1024;
/**
 * A slice takes at least what arrived since the last one, up to this many, whatever its time
 * budget: a caller that publishes thousands of events per macrotask would otherwise outrun
 * the drain, and every raw record left behind keeps the caller's objects alive (and old: they
 * survive into the old generation and become garbage only a full GC frees).
 */
const KEEP_UP_RECORDS = 8192;
/** Keeping up ends at this many bytes in a slice, and at any large record: those keep the time budget. */
const KEEP_UP_BYTES = 4 * 1024 * 1024;
/**
 * What normalising costs, roughly, for a large event's estimated size (about 1.5 ms per 200 KB
 * warm; rounded up). A large event that would not fit in what is left of a turn waits for the next,
 * where it goes first: a turn then runs over its budget only by an event larger than the whole budget.
 */
const BYTES_PER_MS = 100_000;

const unbounded = (): number => Number.POSITIVE_INFINITY;

/**
 * Moves records off the hot path: normalises raw records in slices (each within its share of
 * fusewire's turn of the event loop, then it yields), appends them to the store, hands claimed
 * records to the lanes, and pumps the lanes. A tick or a flush asks for partial batches: they
 * leave in the same slice that emptied intake, so an event waits at most one flush interval.
 */
export class Drain {
  readonly #o: DrainOptions;
  readonly #turns: Pick<Turns, 'later' | 'shareLeft'>;
  readonly #normalizeContext: NormalizeContext;
  #scheduled = false;
  #partialRequested = false;
  #stopped = false;
  /** Records claimed from the store and not yet settled. */
  #claimedOpen = 0;
  /** Raw records a slice left waiting: what is waiting beyond them at the next slice arrived meanwhile. */
  #leftWaiting = 0;

  constructor(options: DrainOptions) {
    this.#o = options;
    this.#turns = options.turns ?? backgroundTurns;
    const { intake, ledger, log, sampleRate, maxEventBytes } = options;
    this.#normalizeContext = { intake, ledger, log, sampleRate, maxEventBytes };
    options.ledger.watchUpstream(() => options.intake.waiting === 0 && !this.#storeHasUnclaimed());
  }

  /** Runs a slice soon (off the caller's stack). Idempotent until it runs. */
  soon(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    this.#turns.later(this.#runInTurn);
  }

  readonly #runInTurn = (): void => {
    this.#scheduled = false;
    this.#slice(true);
  };

  /** Asks for partial batches to leave and runs a slice now (the interval tick, a flush). */
  runPartial(): void {
    this.#partialRequested = true;
    this.run();
  }

  /** Claimed records settled: room for more. */
  settled(count: number): void {
    this.#claimedOpen -= count;
    if (this.#storeHasUnclaimed()) this.soon();
  }

  /** Runs one slice: normalise, append, hand over, pump. Never throws. */
  run(): void {
    this.#slice(false);
  }

  /**
   * A slice that runs from its own turn takes its first event whatever the share left: another
   * client's drain in the same turn may have spent it, and run first again in every turn after.
   */
  #slice(ownTurn: boolean): void {
    if (this.#stopped) return;
    try {
      const more = this.#normalizeSlice(this.#shareLeft, ownTurn);
      this.#handOver();
      const { ledger } = this.#o;
      // Partial batches only once intake is empty: batches stay full while a backlog is
      // still being normalised, and a trace update does not leave alone while its root span
      // is still in the next slice.
      const partial = (this.#partialRequested || ledger.flushing) && !more;
      if (!more) this.#partialRequested = false;
      // Final only once intake is empty too: a trace update must not be given up as having no
      // observation while its spans still wait in intake for the next slice.
      const final = ledger.final && !more;
      for (const lane of this.#o.lanes) lane.pump({ partial, final });
      if (more) this.soon();
    } catch (error) {
      logInternalError(this.#o.log, 'drain', error);
    }
  }

  /** Normalises and stores everything intake holds, with no time budget, and hands nothing over (shutdown). */
  runToEnd(): void {
    try {
      while (this.#normalizeSlice(unbounded, true)) {}
    } catch (error) {
      logInternalError(this.#o.log, 'drain', error);
    }
  }

  stop(): void {
    this.#stopped = true;
  }

  readonly #shareLeft = (): number => this.#turns.shareLeft();

  /**
   * Returns true when raw records are left for another slice. Outside a turn (a tick, a flush) the
   * share is already spent: the slice takes what it must keep up with, or a clock's worth, and the
   * rest waits for the turn.
   */
  #normalizeSlice(left: () => number, ownTurn: boolean): boolean {
    const { intake } = this.#o;
    const context = this.#normalizeContext;
    const records: ExportRecord[] = [];
    // Not for a durable store: there a slice is one transaction, sized by the time budget (a
    // transaction that fails, e.g. on a full disk, fails for every record in it).
    const keepUp = this.#o.store.durable ? 0 : Math.min(KEEP_UP_RECORDS, intake.waiting - this.#leftWaiting);
    const most = Math.max(SLICE_RECORDS, keepUp);
    let bytes = 0;
    // Outside a turn (a tick, a flush) even the first large event waits for one.
    const inTurn = ownTurn || left() > 0;
    for (let n = 1; n <= most; n++) {
      if (n > 1 || !inTurn) {
        const next = intake.peek();
        if (next !== undefined && next.bytes > CLOCK_AFTER_BYTES && next.bytes / BYTES_PER_MS > left()) break;
      }
      const raw = intake.take();
      if (raw === undefined) break;
      const record = normalizeRaw(raw, context);
      if (record !== undefined) {
        records.push(record);
        bytes += record.bytes;
      }
      const large = record !== undefined && record.bytes > CLOCK_AFTER_BYTES;
      if (n < keepUp && !large && bytes < KEEP_UP_BYTES) continue;
      if ((large || n % CLOCK_EVERY === 0) && left() <= 0) break;
    }
    if (records.length > 0) this.#append(records);
    this.#leftWaiting = intake.waiting;
    return intake.waiting > 0;
  }

  #append(records: ExportRecord[]): void {
    const { store, ledger } = this.#o;
    let answer: ReturnType<EventStore['append']>;
    try {
      answer = store.append(records);
    } catch (error) {
      answer = { refused: records, reason: 'store_error' };
      logInternalError(this.#o.log, 'store.append', error, `the ${store.name} store threw from append()`);
    }
    if (answer.refused.length > 0) ledger.unstored(answer.refused, answer.reason ?? 'store_error');
    if (store.boundsItself === true) {
      const refused = new Set(answer.refused);
      ledger.stored(refused.size === 0 ? records : records.filter((r) => !refused.has(r)));
    }
  }

  /** Claims from the store and hands each record to its lane. */
  #handOver(): void {
    const { store, route, claimWindow, claimWindowBytes } = this.#o;
    const room = claimWindow - this.#claimedOpen;
    if (room <= 0) return;
    const claimed = store.claim(room, claimWindowBytes);
    this.#takeOver(claimed);
    for (const record of claimed) route(record).add(record);
  }

  /** Claims everything the store still holds, for shutdown to count: a record is open in the ledger only once claimed. */
  claimRest(): ExportRecord[] {
    const { store } = this.#o;
    const rest = store.claim(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    this.#takeOver(rest);
    return rest;
  }

  /** Claimed records: open in the ledger from now on (an earlier process's adopted first). */
  #takeOver(claimed: readonly ExportRecord[]): void {
    const { ledger } = this.#o;
    this.#claimedOpen += claimed.length;
    for (const record of claimed) {
      if (record.origin !== ledger.origin) ledger.adopt(record);
      ledger.handedOut(record);
    }
  }

  #storeHasUnclaimed(): boolean {
    return this.#o.store.stats().events > this.#claimedOpen;
  }
}
