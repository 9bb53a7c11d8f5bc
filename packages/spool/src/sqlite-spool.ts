import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { FaultState } from './fault-state.js';
import { describe } from './faults.js';
import { MemoryQueue } from './memory-queue.js';
import type { ResolvedSpoolOptions } from './options.js';
import { toRow } from './rows.js';
import { CLAIMED, DEAD, DELIVERED, PENDING } from './schema.js';
import type { EventStore, ExportRecord, StoreOutcome, StoreRefusal } from './seam.js';
import { SpoolFile } from './spool-file.js';
import { SpoolLog } from './spool-log.js';
import type { SpoolStats } from './spool-stats.js';

export type { SpoolStats } from './spool-stats.js';
import type { TotalsRow } from './statements.js';

const TICK_MS = 1_000;
const NOTHING: ReadonlySet<number> = new Set();
const databases = new WeakMap<SqliteSpool, Database.Database>();

const ticks = new WeakMap<SqliteSpool, () => void>();

/** The spool's connection, for tests that need to break it (not exported from the package). */
export function databaseOf(spool: SqliteSpool): Database.Database | undefined {
  return databases.get(spool);
}

/** Runs the spool's timer work now (heartbeat, cleanup, retry), for tests with a fake clock. */
export function runTick(spool: SqliteSpool): void {
  ticks.get(spool)?.();
}

/** The SQLite {@link EventStore}. Built by `sqliteSpool()`; every method but the constructor never throws. */
export class SqliteSpool implements EventStore {
  readonly name = 'sqlite';
  readonly durable: boolean;
  /** Bounded by `maxBytes` on disk and `memoryMaxBytes` in memory: core's queue bounds count only what is in flight. */
  readonly boundsItself = true;
  readonly maxAppendDelayMs: number;
  readonly path: string;
  readonly #opts: ResolvedSpoolOptions;
  readonly #clock: () => number;
  readonly #log: SpoolLog;
  readonly #faults: FaultState;
  readonly #memory: MemoryQueue;
  readonly #claimed = new Map<ExportRecord, number>();
  #claimedBytes = 0;
  /** Claimed rows the file could not mark (full disk, read-only): seq → bytes. */
  readonly #peeked = new Map<number, number>();
  /** Outcomes the file could not take yet (peeked rows, failed settles): seq → outcome. */
  readonly #unwritten = new Map<number, { bytes: number; outcome: StoreOutcome; message: string; free: boolean }>();
  /** Of those, peeked rows: still free in the file's totals. */
  #unwrittenFree = 0;
  #unwrittenFreeBytes = 0;
  #file: SpoolFile | undefined;
  #timer: NodeJS.Timeout | undefined;
  #totals: TotalsRow[] = [];
  #refusedFull = 0;
  #full = false;
  #closed = false;

  constructor(opts: ResolvedSpoolOptions, clock: () => number = Date.now) {
    this.#opts = opts;
    this.#clock = clock;
    this.path = resolve(opts.path);
    // The drain runs at least every half window: an event waits at most that long for it, and the
    // other half is left for the drain itself (one slice, one transaction) and a late timer.
    this.maxAppendDelayMs = Math.max(1, Math.floor(opts.durabilityWindowMs / 2));
    this.#log = new SpoolLog(opts.logger);
    this.#faults = new FaultState(this.#log, this.path);
    this.#memory = new MemoryQueue(opts.memoryMaxBytes);
    try {
      this.#file = new SpoolFile(opts, this.#log, clock);
      databases.set(this, this.#file.db);
    } catch (error) {
      if (opts.onOpenError === 'throw') throw error;
      this.#log.log(
        'warn',
        { code: 'FUSEWIRE_SPOOL_OPEN_FAILED', path: this.path },
        `${describe(error)} Running without a spool: events wait in memory and a crash loses them.`,
      );
    }
    this.durable = this.#file !== undefined;
    ticks.set(this, () => this.#tick());
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  append(records: ExportRecord[]): { refused: ExportRecord[]; reason?: StoreRefusal } {
    try {
      if (records.length === 0 && this.#memory.unclaimed === 0) return { refused: [] };
      if (this.#closed) return { refused: records, reason: 'store_error' };
      const now = this.#clock();
      if (this.#file === undefined || !this.#faults.mayTry(now)) return this.#toMemory(records);
      const movedRecords = this.#memory.takeAll();
      let movedIn: number;
      let accepted: number;
      try {
        [movedIn, accepted] = this.#file.append(movedRecords.map(toRow), records.map(toRow));
      } catch (error) {
        this.#memory.unshift(movedRecords);
        this.#faults.record(error, now);
        return this.#toMemory(records);
      }
      this.#faults.recovered(movedIn);
      if (this.#unwritten.size > 0) this.#writeUnwritten();
      // Already accepted, so never refused: what did not fit waits in memory for room.
      if (movedIn < movedRecords.length) this.#memory.unshift(movedRecords.slice(movedIn));
      if (accepted === records.length) {
        if (this.#full && movedIn === movedRecords.length) this.#notFull();
        return { refused: [] };
      }
      this.#isFull(records.length - accepted);
      return { refused: records.slice(accepted), reason: 'spool_full' };
    } catch (error) {
      this.#internal('append', error);
      return this.#toMemory(records);
    }
  }

  #toMemory(records: ExportRecord[]): { refused: ExportRecord[]; reason?: StoreRefusal } {
    const refused = this.#memory.push(records);
    return refused.length === 0 ? { refused } : { refused, reason: 'store_error' };
  }

  claim(maxCount: number, maxBytes: number): ExportRecord[] {
    const out: ExportRecord[] = [];
    try {
      if (this.#closed || maxCount <= 0) return out;
      const now = this.#clock();
      if (this.#file !== undefined && this.#faults.mayTry(now)) {
        try {
          for (const [record, seq] of this.#file.claim(maxCount, maxBytes, this.#inFlightFree()))
            this.#hold(record, seq, out);
        } catch (error) {
          this.#faults.record(error, now);
        }
      }
      // A file that cannot be written can still be read: what it holds is delivered meanwhile.
      const fault = this.#faults.current?.fault;
      if (out.length === 0 && this.#file !== undefined && (fault === 'disk_full' || fault === 'read_only')) {
        try {
          for (const [record, seq] of this.#file.peek(maxCount, maxBytes, this.#inFlightFree())) {
            this.#peeked.set(seq, record.bytes);
            this.#hold(record, seq, out);
          }
        } catch (error) {
          this.#faults.record(error, now);
        }
      }
      if (out.length < maxCount && this.#memory.unclaimed > 0) {
        let bytes = 0;
        for (const r of out) bytes += r.bytes;
        this.#memory.claim(maxCount, maxBytes, out, bytes);
      }
    } catch (error) {
      this.#internal('claim', error);
    }
    return out;
  }

  /** Rows free in the file that this process holds anyway (peeked, or settled and not yet written). */
  #inFlightFree(): ReadonlySet<number> {
    if (this.#peeked.size === 0 && this.#unwrittenFree === 0) return NOTHING;
    const skip = new Set(this.#peeked.keys());
    for (const [seq, u] of this.#unwritten) if (u.free) skip.add(seq);
    return skip;
  }

  #hold(record: ExportRecord, seq: number, out: ExportRecord[]): void {
    this.#claimed.set(record, seq);
    this.#claimedBytes += record.bytes;
    out.push(record);
  }

  settle(records: ExportRecord[], outcome: StoreOutcome, message?: string): void {
    try {
      const rows = this.#forget(records);
      if (rows.length === 0 || this.#file === undefined || this.#closed) return;
      const text = message ?? outcome;
      const owned: Array<{ seq: number; bytes: number }> = [];
      for (const row of rows) {
        if (this.#peeked.delete(row.seq)) this.#later(row, outcome, text, true);
        else owned.push(row);
      }
      if (owned.length === 0) return;
      const seqs = owned.map((r) => r.seq);
      try {
        if (outcome === 'delivered') this.#file.delivered(seqs);
        else this.#file.dead(seqs, outcome, text);
      } catch (error) {
        // Kept until the file can be written (a close first: the next process sends them again).
        for (const row of owned) this.#later(row, outcome, text, false);
        this.#faults.record(error, this.#clock());
      }
    } catch (error) {
      this.#internal('settle', error);
    }
  }

  release(records: ExportRecord[]): void {
    try {
      this.#memory.release(records);
      // A peeked row is free in the file already.
      const seqs = this.#forget(records)
        .filter((r) => !this.#peeked.delete(r.seq))
        .map((r) => r.seq);
      if (seqs.length === 0 || this.#file === undefined || this.#closed) return;
      try {
        this.#file.release(seqs);
      } catch (error) {
        this.#faults.record(error, this.#clock());
      }
    } catch (error) {
      this.#internal('release', error);
    }
  }

  /** An outcome the file could not take yet; `free`: the row was peeked, not claimed in the file. */
  #later(row: { seq: number; bytes: number }, outcome: StoreOutcome, message: string, free: boolean): void {
    this.#unwritten.set(row.seq, { bytes: row.bytes, outcome, message, free });
    if (!free) return;
    this.#unwrittenFree++;
    this.#unwrittenFreeBytes += row.bytes;
  }

  /** Writes the outcomes the file could not take (one transaction per outcome); on failure they wait for the next try. */
  #writeUnwritten(): void {
    const file = this.#file;
    if (file === undefined || this.#closed) return;
    const groups = new Map<string, { seqs: number[]; message: string; outcome: StoreOutcome }>();
    for (const [seq, u] of this.#unwritten) {
      const key = `${u.outcome}:${u.message}`;
      const group = groups.get(key) ?? { seqs: [], message: u.message, outcome: u.outcome };
      group.seqs.push(seq);
      groups.set(key, group);
    }
    try {
      for (const g of groups.values()) {
        file.settleUnclaimed(g.seqs, g.outcome === 'delivered' ? undefined : g.outcome, g.message);
        for (const seq of g.seqs) {
          const u = this.#unwritten.get(seq)!;
          this.#unwritten.delete(seq);
          if (!u.free) continue;
          this.#unwrittenFree--;
          this.#unwrittenFreeBytes -= u.bytes;
        }
      }
    } catch (error) {
      this.#faults.record(error, this.#clock());
    }
  }

  /** Takes records out of the claimed map (their rows); settles the ones that came from memory. */
  #forget(records: ExportRecord[]): Array<{ seq: number; bytes: number }> {
    const rows: Array<{ seq: number; bytes: number }> = [];
    for (const r of records) {
      const seq = this.#claimed.get(r);
      if (seq !== undefined) {
        this.#claimed.delete(r);
        this.#claimedBytes -= r.bytes;
        rows.push({ seq, bytes: r.bytes });
      } else {
        this.#memory.settle(r);
      }
    }
    return rows;
  }

  stats(): SpoolStats {
    try {
      if (this.#file !== undefined && !this.#closed) this.#totals = this.#file.totals();
    } catch (error) {
      this.#faults.record(error, this.#clock());
    }
    const t = (state: number) => this.#totals.find((r) => r.state === state) ?? { events: 0, bytes: 0 };
    const fault = this.#faults.current;
    const error =
      fault !== undefined
        ? `${fault.fault}: ${fault.message}`
        : this.#file === undefined && !this.#closed
          ? 'running in memory: the spool file could not be opened'
          : undefined;
    // This process's view: rows anyone may still claim, plus what it holds claimed itself.
    // Peeked rows are still free in the file's totals: counted once, as claimed (or settled).
    let peekedBytes = 0;
    for (const b of this.#peeked.values()) peekedBytes += b;
    return {
      events: t(PENDING).events - this.#peeked.size - this.#unwrittenFree + this.#claimed.size + this.#memory.events,
      bytes: t(PENDING).bytes - peekedBytes - this.#unwrittenFreeBytes + this.#claimedBytes + this.#memory.bytes,
      healthy: error === undefined,
      ...(error !== undefined ? { error } : {}),
      path: this.path,
      durable: this.durable,
      waiting: t(PENDING).events + t(CLAIMED).events,
      claimedHere: this.#claimed.size,
      deadLetters: t(DEAD).events,
      deliveredKept: t(DELIVERED).events,
      inMemory: this.#memory.events,
      settledUnwritten: this.#unwritten.size,
      refusedFull: this.#refusedFull,
      faults: { ...this.#faults.counts },
      maxBytes: this.#opts.maxBytes,
    };
  }

  flush(): Promise<void> {
    // Commits are already in the WAL when append returns; what is left is what waits in memory.
    if (this.#memory.unclaimed > 0) this.append([]);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      if (this.#memory.unclaimed > 0) this.append([]);
      if (this.#unwritten.size > 0) this.#writeUnwritten();
      this.#closed = true;
      if (this.#timer !== undefined) clearInterval(this.#timer);
      if (this.#unwritten.size > 0) {
        this.#log.log(
          'warn',
          { code: 'FUSEWIRE_SPOOL_ERROR', path: this.path, resent: this.#unwritten.size },
          `closing with ${this.#unwritten.size} delivered events the spool file could not mark delivered; the next process sends them again (Langfuse keeps one copy per id)`,
        );
      }
      const left = this.#memory.events;
      if (left > 0) {
        this.#log.log(
          'warn',
          { code: 'FUSEWIRE_SPOOL_ERROR', path: this.path, lost: left },
          `closing with ${left} events that the spool file could not take; they were only in memory and are lost`,
        );
      }
      this.#claimed.clear();
      this.#claimedBytes = 0;
      const file = this.#file;
      this.#file = undefined;
      file?.close();
    } catch (error) {
      this.#internal('close', error);
    }
  }

  #tick(): void {
    try {
      const file = this.#file;
      if (this.#closed || file === undefined) return;
      const now = this.#clock();
      if (!this.#faults.mayTry(now)) return;
      if (this.#memory.unclaimed > 0) this.append([]);
      try {
        // With a fault and nothing to write, a heartbeat is the probe that the file works again.
        if (this.#faults.current !== undefined && this.#memory.unclaimed === 0) {
          file.renew(now);
          this.#faults.recovered(0, true);
        } else file.maintain(now);
        if (this.#unwritten.size > 0) this.#writeUnwritten();
        file.cleanup(now);
      } catch (error) {
        this.#faults.record(error, now);
      }
    } catch (error) {
      this.#internal('cleanup', error);
    }
  }

  #isFull(refused: number): void {
    this.#refusedFull += refused;
    if (this.#full) return;
    this.#full = true;
    this.#log.log(
      'warn',
      { code: 'FUSEWIRE_SPOOL_FULL', path: this.path, maxBytes: this.#opts.maxBytes },
      `spool full: undelivered events fill maxBytes (${this.#opts.maxBytes}); new events are refused and counted under dropped.spool_full until it drains. Older events are kept. Langfuse may be down; raise maxBytes if this is a burst.`,
    );
  }

  #notFull(): void {
    this.#full = false;
    this.#log.log('warn', { code: 'FUSEWIRE_SPOOL_RECOVERED', path: this.path }, 'spool accepting again');
  }

  #internal(where: string, error: unknown): void {
    this.#faults.record(Object.assign(new Error(`${where}: ${describe(error)}`), { code: 'internal' }), this.#clock());
  }
}
