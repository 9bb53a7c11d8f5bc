import type Database from 'better-sqlite3';
import { cleanupStep } from './cleanup.js';
import { Lease } from './leases.js';
import { openSpoolFile } from './open-spool.js';
import type { ResolvedSpoolOptions } from './options.js';
import { CLAIMED, DEAD, DELIVERED, PENDING } from './schema.js';
import type { ExportRecord } from './seam.js';
import type { SpoolLog } from './spool-log.js';
import { type FreeRow, moveTotals, prepareStatements, type Statements, type TotalsRow } from './statements.js';

/** A record as stored: its JSON text plus the columns the CLI lists by. */
export interface Row {
  kind: string;
  traceId: string | null;
  eventId: string | null;
  bytes: number;
  json: string;
}

const MAX_MESSAGE = 2_000;

/** The leading rows within `maxBytes` (the first one always, so a big row is never stuck). */
function takeRows(rows: FreeRow[], maxBytes: number): FreeRow[] {
  let bytes = 0;
  let i = 0;
  for (; i < rows.length; i++) {
    if (i > 0 && bytes + rows[i]!.bytes > maxBytes) break;
    bytes += rows[i]!.bytes;
  }
  return i === rows.length ? rows : rows.slice(0, i);
}

/**
 * The file side of the spool: one connection, its prepared statements and this process's lease.
 * Every method may throw a SQLite error; the spool above decides what a failure means.
 */
export class SpoolFile {
  readonly db: Database.Database;
  readonly #st: Statements;
  readonly #lease: Lease;
  readonly #opts: ResolvedSpoolOptions;
  readonly #clock: () => number;
  readonly #log: SpoolLog;
  #lastTakeover: number;
  #lastRenew: number;
  readonly #append: Database.Transaction<(moved: Row[], rows: Row[]) => [number, number]>;
  readonly #claim: Database.Transaction<
    (maxCount: number, maxBytes: number, skip: ReadonlySet<number>) => Array<[ExportRecord, number]>
  >;
  readonly #settle: Database.Transaction<(seqs: number[], reason: string | undefined, message: string) => void>;
  readonly #release: Database.Transaction<(seqs: number[]) => void>;

  constructor(opts: ResolvedSpoolOptions, log: SpoolLog, clock: () => number) {
    this.#opts = opts;
    this.#clock = clock;
    this.#log = log;
    this.db = openSpoolFile(opts.path, opts, log);
    this.#st = prepareStatements(this.db);
    this.#lease = new Lease(this.#st, opts.leaseMs);
    const now = clock();
    this.db
      .transaction(() => {
        this.#lease.register(now);
        this.#lease.takeOver(now);
      })
      .immediate();
    this.#lastTakeover = now;
    this.#lastRenew = now;
    this.#append = this.db.transaction((moved: Row[], rows: Row[]) => this.#appendRows(moved, rows));
    this.#claim = this.db.transaction((maxCount: number, maxBytes: number, skip: ReadonlySet<number>) =>
      this.#claimRows(maxCount, maxBytes, skip),
    );
    this.#settle = this.db.transaction((seqs: number[], reason: string | undefined, message: string) =>
      this.#settleRows(seqs, reason, message),
    );
    this.#release = this.db.transaction((seqs: number[]) => {
      const rows = this.#st.release.all(this.#lease.owner, JSON.stringify(seqs)) as Array<{ bytes: number }>;
      moveTotals(this.#st, CLAIMED, PENDING, rows);
    });
  }

  totals(): TotalsRow[] {
    return this.#st.totals.all() as TotalsRow[];
  }

  /**
   * One transaction: first the rows that waited in memory, then the new ones, each while undelivered
   * rows stay within maxBytes. Returns how many of each went in (new ones only if all moved ones did).
   */
  append(moved: Row[], rows: Row[]): [number, number] {
    return this.#append.immediate(moved, rows);
  }

  #appendRows(moved: Row[], rows: Row[]): [number, number] {
    let room = this.#opts.maxBytes;
    for (const t of this.totals()) if (t.state !== DELIVERED) room -= t.bytes;
    const now = this.#clock();
    const insert = (list: Row[]): number => {
      let i = 0;
      for (; i < list.length; i++) {
        const row = list[i]!;
        if (row.bytes > room) break;
        room -= row.bytes;
        this.#st.insert.run(row.kind, row.traceId, row.eventId, row.bytes, row.json, now);
      }
      moveTotals(this.#st, -1, PENDING, i === list.length ? list : list.slice(0, i));
      return i;
    };
    const movedIn = insert(moved);
    return [movedIn, movedIn < moved.length ? 0 : insert(rows)];
  }

  /**
   * Claims the oldest free rows (taking over those of owners that are gone first); returns them
   * with their seq. A trace's rows are claimed together: traces another owner holds rows of are
   * skipped, and the claimed traces' later free rows come along (up to `maxCount` more).
   */
  claim(maxCount: number, maxBytes: number, skip: ReadonlySet<number>): Array<[ExportRecord, number]> {
    return this.#claim.immediate(maxCount, maxBytes, skip);
  }

  #claimRows(maxCount: number, maxBytes: number, skip: ReadonlySet<number>): Array<[ExportRecord, number]> {
    const now = this.#clock();
    this.#takeOverIfDue(now);
    const owner = this.#lease.owner;
    const unskipped = (rows: FreeRow[]) => (skip.size === 0 ? rows : rows.filter((r) => !skip.has(r.seq)));
    const limit = maxCount + skip.size;
    const free =
      this.#st.othersHold.get(owner) === undefined ? this.#st.freeAny.all(limit) : this.#st.free.all(owner, limit);
    const rows = unskipped(free as FreeRow[]);
    const taken = takeRows(rows.length > maxCount ? rows.slice(0, maxCount) : rows, maxBytes);
    if (taken.length === 0) return [];
    const traces = new Set<string>();
    for (const row of taken) if (row.traceId !== null) traces.add(row.traceId);
    if (traces.size > 0) {
      const last = taken[taken.length - 1]!.seq;
      const rest = this.#st.freeOfTraces.all(JSON.stringify([...traces]), last, maxCount + skip.size) as FreeRow[];
      taken.push(...unskipped(rest).slice(0, maxCount));
    }
    return this.#claimTaken(taken, now);
  }

  /** Marks rows as this owner's and reads them back; a row that cannot be parsed becomes a dead letter. */
  #claimTaken(taken: FreeRow[], now: number): Array<[ExportRecord, number]> {
    const owner = this.#lease.owner;
    const out: Array<[ExportRecord, number]> = [];
    const unreadable: FreeRow[] = [];
    for (const row of taken) {
      try {
        out.push([JSON.parse(row.record) as ExportRecord, row.seq]);
      } catch {
        unreadable.push(row);
      }
    }
    moveTotals(
      this.#st,
      PENDING,
      CLAIMED,
      this.#st.claimSeqs.all(owner, JSON.stringify(taken.map((r) => r.seq))) as Array<{ bytes: number }>,
    );
    if (unreadable.length > 0) {
      const seqs = JSON.stringify(unreadable.map((r) => r.seq));
      const message = 'the spooled record could not be read back (damaged row)';
      const dead = this.#st.dead.all(now, 'invalid', message, owner, seqs) as Array<{ bytes: number }>;
      moveTotals(this.#st, CLAIMED, DEAD, dead);
    }
    return out;
  }

  /**
   * The oldest free rows not in `skip`, read without claiming them: for when the file cannot be
   * written (a full disk, a read-only file), so what it holds is still delivered. Nothing marks
   * them: another process may read them too (Langfuse dedups by id).
   */
  peek(maxCount: number, maxBytes: number, skip: ReadonlySet<number>): Array<[ExportRecord, number]> {
    const rows = (this.#st.freeAny.all(maxCount + skip.size) as FreeRow[]).filter((r) => !skip.has(r.seq));
    const out: Array<[ExportRecord, number]> = [];
    for (const row of takeRows(rows.slice(0, maxCount), maxBytes)) {
      try {
        out.push([JSON.parse(row.record) as ExportRecord, row.seq]);
      } catch {
        // Unreadable: left for a claim to dead-letter once the file can be written.
      }
    }
    return out;
  }

  /** Settles rows that were read with `peek` (never claimed in the file), once it can be written. */
  settleUnclaimed(seqs: number[], reason: string | undefined, message: string): void {
    this.db
      .transaction(() => {
        const rows = this.#st.claimSeqs.all(this.#lease.owner, JSON.stringify(seqs)) as Array<{ bytes: number }>;
        moveTotals(this.#st, PENDING, CLAIMED, rows);
        this.#settleRows(seqs, reason, message.slice(0, MAX_MESSAGE));
      })
      .immediate();
  }

  /** Delivered rows are removed at once without a retention, else marked for cleanup. */
  delivered(seqs: number[]): void {
    this.#settle.immediate(seqs, undefined, '');
  }

  dead(seqs: number[], reason: string, message: string): void {
    this.#settle.immediate(seqs, reason, message.slice(0, MAX_MESSAGE));
  }

  #settleRows(seqs: number[], reason: string | undefined, message: string): void {
    const owner = this.#lease.owner;
    const list = JSON.stringify(seqs);
    const now = this.#clock();
    if (reason !== undefined) {
      moveTotals(
        this.#st,
        CLAIMED,
        DEAD,
        this.#st.dead.all(now, reason, message, owner, list) as Array<{ bytes: number }>,
      );
    } else if (this.#opts.retentionMs === 0) {
      moveTotals(this.#st, CLAIMED, -1, this.#st.deleteDelivered.all(owner, list) as Array<{ bytes: number }>);
    } else {
      moveTotals(this.#st, CLAIMED, DELIVERED, this.#st.delivered.all(now, owner, list) as Array<{ bytes: number }>);
    }
  }

  release(seqs: number[]): void {
    this.#release.immediate(seqs);
  }

  /** Heartbeat, and frees the rows of processes that are gone, each when due (claims and the timer). */
  maintain(now: number): void {
    if (now - this.#lastTakeover >= this.#opts.leaseMs / 3)
      this.db.transaction(() => this.#takeOverIfDue(now)).immediate();
    else this.renewIfDue(now);
  }

  #takeOverIfDue(now: number): void {
    if (now - this.#lastTakeover < this.#opts.leaseMs / 3) return;
    this.renew(now);
    this.#lease.takeOver(now);
    this.#lastTakeover = now;
  }

  /** Heartbeat when due; false when the lease had run out and another process may have taken rows over. */
  renewIfDue(now: number): boolean {
    return now - this.#lastRenew < this.#opts.leaseMs / 3 || this.renew(now);
  }

  renew(now: number): boolean {
    this.#lastRenew = now;
    if (this.#lease.renew(now)) return true;
    this.#log.once(
      'lease-lost',
      'warn',
      { code: 'FUSEWIRE_SPOOL_LEASE_LOST', path: this.db.name, leaseMs: this.#opts.leaseMs },
      "this process's spool lease ran out (event loop blocked longer than leaseMs?); another process may send some of its events too. Langfuse dedups them by id.",
    );
    return false;
  }

  cleanup(now: number): number {
    return cleanupStep(this.db, this.#st, this.#opts, now, this.totals());
  }

  /** Clean close: this process's claimed rows are free for anyone at once. */
  close(): void {
    try {
      this.db.transaction(() => this.#lease.end()).immediate();
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } finally {
      this.#lease.forget();
      this.db.close();
    }
  }
}
