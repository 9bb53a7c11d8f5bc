import type { DropReason, ExportRecord } from '../model/records.js';

/**
 * What the export side reports through (the pipeline's ledger implements it): lanes and the
 * retrying delivery keep no counters of their own.
 */
export interface ExportReport {
  /** Final outcome of records; a record already settled is ignored (exactly once). */
  settle(
    records: readonly ExportRecord[],
    outcome: 'delivered' | DropReason,
    detail?: { message: string; status?: number },
  ): void;
  /** A request of `bytes` left (a first attempt or a retry). */
  requestSent(bytes: number): void;
  /** An attempt failed and will be retried. */
  retrying(): void;
  /** An export failed: logged once per cause, and kept as `lastError`. */
  exportFailed(code: string, message: string, willRetry: boolean): void;
  /** An export succeeded: a previous failure is over. */
  exportSucceeded(): void;
}
