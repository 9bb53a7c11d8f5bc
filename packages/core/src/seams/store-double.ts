// A test double for the store seam (tests only; not exported from the package).
import type { ExportRecord } from '../model/records.js';
import type { EventStore, StoreOutcome, StoreRefusal, StoreStats } from './store.js';

/** A durable-looking store in memory that records every call and can be told to refuse. */
export interface StoreDouble extends EventStore {
  readonly appended: ExportRecord[];
  readonly settled: Array<{ record: ExportRecord; outcome: StoreOutcome; message?: string }>;
  readonly released: ExportRecord[];
  /** Records appended and not settled, claimed or not (what a restart would find). */
  readonly held: ExportRecord[];
  /** Refuse every append with this reason until set back to undefined. */
  refuse: StoreRefusal | undefined;
  flushes: number;
  closed: boolean;
}

export function createStoreDouble(
  options: { durable?: boolean; maxAppendDelayMs?: number; leftovers?: ExportRecord[] } = {},
): StoreDouble {
  const waiting: ExportRecord[] = [...(options.leftovers ?? [])];
  const claimed = new Set<ExportRecord>();
  const double: StoreDouble = {
    name: 'double',
    durable: options.durable ?? true,
    ...(options.maxAppendDelayMs !== undefined ? { maxAppendDelayMs: options.maxAppendDelayMs } : {}),
    appended: [],
    settled: [],
    released: [],
    get held() {
      return [...claimed, ...waiting];
    },
    refuse: undefined,
    flushes: 0,
    closed: false,
    append(records) {
      if (double.refuse !== undefined) return { refused: records, reason: double.refuse };
      double.appended.push(...records);
      // A durable store hands back fresh copies: identity must not matter to the pipeline.
      waiting.push(...records.map((r) => structuredClone(r)));
      return { refused: [] };
    },
    claim(maxCount) {
      const out = waiting.splice(0, Math.min(maxCount, waiting.length));
      for (const r of out) claimed.add(r);
      return out;
    },
    settle(records, outcome, message) {
      for (const record of records) {
        claimed.delete(record);
        double.settled.push({ record, outcome, ...(message !== undefined ? { message } : {}) });
      }
    },
    release(records) {
      for (const record of records) claimed.delete(record);
      double.released.push(...records);
      waiting.unshift(...records);
    },
    stats(): StoreStats {
      return { events: waiting.length + claimed.size, bytes: 0, healthy: true };
    },
    flush() {
      double.flushes++;
      return Promise.resolve();
    },
    close() {
      double.closed = true;
      return Promise.resolve();
    },
  };
  return double;
}
