// The store seam as written in notes/seams.md, declared here until @fusewire/core exports it.
import type { DropReason } from '@fusewire/core';

/** The fields of a normalised record the spool reads; the rest is carried as-is. */
export interface ExportRecord {
  kind: 'trace' | 'observation' | 'score';
  bytes: number;
  traceId?: string;
  id?: string;
  settled?: boolean;
  heldSince?: number;
  [field: string]: unknown;
}

export interface StoreStats {
  events: number;
  bytes: number;
  healthy: boolean;
  error?: string;
}

export type StoreRefusal = 'spool_full' | 'store_error';
export type StoreOutcome = 'delivered' | DropReason;

export interface EventStore {
  readonly name: string;
  readonly durable: boolean;
  readonly maxAppendDelayMs?: number;
  append(records: ExportRecord[]): { refused: ExportRecord[]; reason?: StoreRefusal };
  claim(maxCount: number, maxBytes: number): ExportRecord[];
  settle(records: ExportRecord[], outcome: StoreOutcome, message?: string): void;
  release(records: ExportRecord[]): void;
  stats(): StoreStats;
  flush(): Promise<void>;
  close(): Promise<void>;
}
