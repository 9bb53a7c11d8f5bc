import type { DropReason, ExportRecord } from '../model/records.js';

export type { ExportRecord } from '../model/records.js';

/** What a store holds right now, and whether it still works. */
export interface StoreStats {
  /** Records held (appended and not yet settled), claimed or not. */
  events: number;
  /** Their approximate size in bytes. */
  bytes: number;
  /** False when the store fell back or is unusable. */
  healthy: boolean;
  /** Why it is not healthy (never contains a secret). */
  error?: string;
}

/** Why a store refused records in {@link EventStore.append}. */
export type StoreRefusal = 'spool_full' | 'store_error';

/** The outcome the pipeline settles claimed records with. */
export type StoreOutcome = 'delivered' | DropReason;

/**
 * The seam between intake and delivery: where normalised records wait until they are sent.
 * The pipeline appends from its drain (never on a publisher's stack), claims batches for the
 * export lanes, and settles or releases every claimed record exactly once. The default is
 * {@link createMemoryStore}; `@fusewire/spool` implements a durable one on SQLite.
 *
 * Every method but `flush`/`close` is synchronous and must never throw: the pipeline calls
 * them from timers and treats a throw as an internal error.
 *
 * @example
 * ```ts
 * import { createFusewire, createMemoryStore } from '@fusewire/core';
 * const fusewire = createFusewire({ store: createMemoryStore() }); // the default, spelled out
 * ```
 */
export interface EventStore {
  /** 'memory' | 'sqlite' | … — for logs and stats. */
  readonly name: string;
  /** True: an event counts as accepted once `append()` committed it (it survives a crash). */
  readonly durable: boolean;
  /**
   * For a durable store: the pipeline drains intake into the store at least this often (ms), so this
   * is the window in which a crash can lose what was published. Ignored for a store that is not durable.
   */
  readonly maxAppendDelayMs?: number;
  /**
   * True: the store bounds what it holds itself (it refuses with `'spool_full'` when full) and keeps
   * appended records out of the process's memory until they are claimed. The pipeline's
   * `maxQueueSize`/`maxQueueBytes` then count only records not yet appended (intake); a backlog in
   * the store is bounded by the store alone, and what lanes hold claimed by the claim window
   * (`flushAt × maxConcurrentExports × 2` per lane). False or absent (the memory store): the
   * bounds count every pending record.
   */
  readonly boundsItself?: boolean;
  /**
   * Called from the drain with normalised records (one transaction per call). Returns the records it
   * refused, with one reason for all of them; the rest are stored. Never throws.
   */
  append(records: ExportRecord[]): { refused: ExportRecord[]; reason?: StoreRefusal };
  /**
   * Up to `maxCount` records and about `maxBytes`, oldest first (an earlier process's leftovers first),
   * that no live process has claimed. Claimed records are leased to this process until settled or
   * released. Never throws (returns `[]` when it cannot read).
   */
  claim(maxCount: number, maxBytes: number): ExportRecord[];
  /**
   * The final outcome of claimed records: 'delivered' removes them; any {@link DropReason} may keep them
   * as dead letters with the reason and message. Never throws.
   */
  settle(records: ExportRecord[], outcome: StoreOutcome, message?: string): void;
  /** Claimed records go back unclaimed (shutdown before they were sent): a restart or another process sends them. */
  release(records: ExportRecord[]): void;
  stats(): StoreStats;
  /** Makes everything appended durable now (called by flush and shutdown). Never rejects. */
  flush(): Promise<void>;
  /** Called once, at the end of shutdown, after every claimed record was settled or released. Never rejects. */
  close(): Promise<void>;
}
