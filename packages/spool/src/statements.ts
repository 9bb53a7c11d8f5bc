import type Database from 'better-sqlite3';

export interface FreeRow {
  seq: number;
  bytes: number;
  record: string;
  traceId: string | null;
}

export interface TotalsRow {
  state: number;
  events: number;
  bytes: number;
}

type StatementName =
  | 'insert'
  | 'totals'
  | 'free'
  | 'freeAny'
  | 'othersHold'
  | 'freeOfTraces'
  | 'claimSeqs'
  | 'delivered'
  | 'dead'
  | 'release'
  | 'releaseAll'
  | 'deleteDelivered'
  | 'move'
  | 'register'
  | 'heartbeat'
  | 'owners'
  | 'dropOwner'
  | 'freeOrphans'
  | 'pruneDelivered'
  | 'pruneDead';

/** Every statement the spool runs, prepared once per connection. */
export function prepareStatements(db: Database.Database): Record<StatementName, Database.Statement> {
  return {
    insert: db.prepare(
      'INSERT INTO events (state, kind, trace_id, event_id, bytes, record, created_at) VALUES (0, ?, ?, ?, ?, ?, ?)',
    ),
    totals: db.prepare('SELECT state, events, bytes FROM totals'),
    // Oldest free rows, skipping traces another owner holds rows of: a trace's rows go to one
    // process at a time, so its fields and its spans meet in one process's export (a dead owner's
    // rows are skipped until they are taken over, and then claimed together).
    free: db.prepare(
      `SELECT seq, bytes, record, trace_id AS traceId FROM events e WHERE state = 0 AND owner IS NULL
       AND (trace_id IS NULL OR NOT EXISTS (SELECT 1 FROM events o WHERE o.trace_id = e.trace_id AND o.state = 0
         AND o.owner IS NOT NULL AND o.owner <> ?)) ORDER BY seq LIMIT ?`,
    ),
    // The oldest free rows: when no other owner holds a row (one process on its file, no check per
    // row needed), and for reading rows without a claim (a file that takes no write).
    freeAny: db.prepare(
      'SELECT seq, bytes, record, trace_id AS traceId FROM events WHERE state = 0 AND owner IS NULL ORDER BY seq LIMIT ?',
    ),
    othersHold: db.prepare('SELECT 1 FROM events WHERE state = 0 AND owner IS NOT NULL AND owner <> ? LIMIT 1'),
    // The rest of the claimed traces' free rows, past the last one claimed.
    freeOfTraces: db.prepare(
      `SELECT seq, bytes, record, trace_id AS traceId FROM events WHERE state = 0 AND owner IS NULL
       AND trace_id IN (SELECT value FROM json_each(?)) AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    claimSeqs: db.prepare(
      'UPDATE events SET owner = ?, claims = claims + 1 WHERE state = 0 AND owner IS NULL AND seq IN (SELECT value FROM json_each(?)) RETURNING bytes',
    ),
    // Delivered by anyone is delivered: not filtered by owner, so a late settle after a takeover still counts.
    // Settles only this owner's rows: one taken over meanwhile is the new owner's to settle.
    delivered: db.prepare(
      'UPDATE events SET state = 1, owner = NULL, settled_at = ? WHERE state = 0 AND owner = ? AND seq IN (SELECT value FROM json_each(?)) RETURNING bytes',
    ),
    deleteDelivered: db.prepare(
      'DELETE FROM events WHERE state = 0 AND owner = ? AND seq IN (SELECT value FROM json_each(?)) RETURNING bytes',
    ),
    dead: db.prepare(
      'UPDATE events SET state = 2, owner = NULL, settled_at = ?, reason = ?, message = ? WHERE state = 0 AND owner = ? AND seq IN (SELECT value FROM json_each(?)) RETURNING bytes',
    ),
    release: db.prepare(
      'UPDATE events SET owner = NULL WHERE state = 0 AND owner = ? AND seq IN (SELECT value FROM json_each(?)) RETURNING bytes',
    ),
    releaseAll: db.prepare('UPDATE events SET owner = NULL WHERE state = 0 AND owner = ? RETURNING bytes'),
    move: db.prepare('UPDATE totals SET events = events + ?, bytes = bytes + ? WHERE state = ?'),
    register: db.prepare(
      'INSERT INTO owners (owner, pid, host, started_at, lease_until) VALUES (?, ?, ?, ?, ?) ON CONFLICT(owner) DO UPDATE SET lease_until = excluded.lease_until',
    ),
    heartbeat: db.prepare('UPDATE owners SET lease_until = ? WHERE owner = ?'),
    owners: db.prepare('SELECT owner, pid, host, lease_until AS leaseUntil FROM owners'),
    dropOwner: db.prepare('DELETE FROM owners WHERE owner = ?'),
    freeOrphans: db.prepare(
      'UPDATE events SET owner = NULL WHERE state = 0 AND owner IS NOT NULL AND owner NOT IN (SELECT owner FROM owners) RETURNING bytes',
    ),
    pruneDelivered: db.prepare(
      'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE state = 1 AND settled_at <= ? ORDER BY settled_at LIMIT ?) RETURNING bytes',
    ),
    pruneDead: db.prepare(
      'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE state = 2 AND settled_at <= ? ORDER BY settled_at LIMIT ?) RETURNING bytes',
    ),
  };
}

export type Statements = Record<StatementName, Database.Statement>;

/** Moves `rows` (each with its bytes) from one totals bucket to another; `-1` is "nowhere" (insert/delete). */
export function moveTotals(st: Statements, from: number, to: number, rows: ReadonlyArray<{ bytes: number }>): void {
  if (rows.length === 0) return;
  let bytes = 0;
  for (const r of rows) bytes += r.bytes;
  if (from >= 0) st.move.run(-rows.length, -bytes, from);
  if (to >= 0) st.move.run(rows.length, bytes, to);
}
