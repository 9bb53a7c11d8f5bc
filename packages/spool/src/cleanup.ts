import type Database from 'better-sqlite3';
import type { ResolvedSpoolOptions } from './options.js';
import { DEAD, DELIVERED } from './schema.js';
import { moveTotals, type Statements, type TotalsRow } from './statements.js';

/** Rows removed per statement: each step is a short transaction that never stalls the app. */
export const CLEANUP_STEP = 500;
/** Steps run back to back while they find full steps, within this budget per tick (keeps up with traffic). */
export const CLEANUP_BUDGET_MS = 20;
const VACUUM_PAGES = 256;
const FREE_PAGES_BEFORE_VACUUM = 1024;

/**
 * One round of cleanup, in short transactions of at most CLEANUP_STEP rows: delivered rows past their retention (or sooner, when delivered and
 * undelivered rows together pass maxBytes), dead letters past theirs, then a few free pages back
 * to the file system. Never touches a waiting row.
 */
export function cleanupStep(
  db: Database.Database,
  st: Statements,
  opts: ResolvedSpoolOptions,
  now: number,
  totals: TotalsRow[],
): number {
  let removed = 0;
  let all = 0;
  let delivered = 0;
  for (const t of totals) {
    all += t.bytes;
    if (t.state === DELIVERED) delivered = t.events;
  }
  if (delivered > 0) {
    const cutoff = all > opts.maxBytes ? now : now - opts.retentionMs;
    const started = performance.now();
    let step: number;
    do {
      const rows = db.transaction(() => {
        const gone = st.pruneDelivered.all(cutoff, CLEANUP_STEP) as Array<{ bytes: number }>;
        moveTotals(st, DELIVERED, -1, gone);
        return gone;
      })();
      step = rows.length;
      removed += step;
    } while (step === CLEANUP_STEP && performance.now() - started < CLEANUP_BUDGET_MS);
  }
  removed += db.transaction(() => {
    const gone = st.pruneDead.all(now - opts.deadLetterRetentionMs, CLEANUP_STEP) as Array<{ bytes: number }>;
    moveTotals(st, DEAD, -1, gone);
    return gone.length;
  })();
  if (removed > 0 || now % 10 === 0) {
    const free = db.pragma('freelist_count', { simple: true });
    if (typeof free === 'number' && free > FREE_PAGES_BEFORE_VACUUM) db.pragma(`incremental_vacuum(${VACUUM_PAGES})`);
  }
  return removed;
}
