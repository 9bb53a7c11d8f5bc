import type { SpoolFault } from './faults.js';
import type { StoreStats } from './seam.js';

/** What the spool holds and how it is doing, beyond the store seam's {@link StoreStats}. */
export interface SpoolStats extends StoreStats {
  path: string;
  /** False when running in memory (the file could not be opened and `onOpenError: 'memory'`). */
  durable: boolean;
  /** Rows in the file waiting to be delivered, by every process sharing it (claimed or not). */
  waiting: number;
  /** Of those, claimed (being sent) by this process. */
  claimedHere: number;
  /** Dead letters kept in the file. */
  deadLetters: number;
  /** Delivered rows not yet removed by cleanup. */
  deliveredKept: number;
  /** Events held in memory because the file could not take them. */
  inMemory: number;
  /**
   * Delivered (or dead-lettered) events whose rows the file could not be written to mark so (full
   * disk, read-only): marked once it can be; if the process ends first, the next one sends them again.
   */
  settledUnwritten: number;
  /** Events refused because undelivered events filled `maxBytes`. */
  refusedFull: number;
  /** Failed file operations, by kind. */
  faults: Record<SpoolFault, number>;
  maxBytes: number;
}
