import type Database from 'better-sqlite3';

/** Row states. A row leaves `PENDING` only once Langfuse accepted it or it became a dead letter. */
export const PENDING = 0;
export const DELIVERED = 1;
export const DEAD = 2;

/** Not a row state: the totals bucket of waiting rows some process has claimed. */
export const CLAIMED = 3;

export const SCHEMA_VERSION = 1;

// Totals per bucket (free, claimed, delivered, dead): every writer (each process, the CLI) moves them
// in the same transaction as the rows it changes, once per transaction (not per row, as a trigger
// would), so reading sizes never scans the table.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS spool_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  state INTEGER NOT NULL,
  owner TEXT,
  kind TEXT NOT NULL,
  trace_id TEXT,
  event_id TEXT,
  bytes INTEGER NOT NULL,
  record TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  settled_at INTEGER,
  reason TEXT,
  message TEXT,
  claims INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_free ON events(seq) WHERE state = 0 AND owner IS NULL;
CREATE INDEX IF NOT EXISTS events_owned ON events(owner) WHERE state = 0 AND owner IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_trace ON events(trace_id) WHERE state = 0;
CREATE INDEX IF NOT EXISTS events_settled ON events(state, settled_at) WHERE state <> 0;
CREATE TABLE IF NOT EXISTS owners (
  owner TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS totals (state INTEGER PRIMARY KEY, events INTEGER NOT NULL, bytes INTEGER NOT NULL);
INSERT OR IGNORE INTO totals VALUES (0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0);
`;

export interface ConnectionOptions {
  synchronous: 'NORMAL' | 'FULL';
  busyTimeoutMs: number;
}

/**
 * Sets the connection up and creates the schema if the file is new. WAL lets readers (the CLI,
 * other processes) run beside the one writer; NORMAL survives a process crash (a commit is in the
 * WAL before `append` returns) but may lose the last commits on power loss, FULL fsyncs each one.
 */
export function prepareSchema(db: Database.Database, options: ConnectionOptions): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
  // Must precede the first table: lets cleanup hand freed pages back to the file system in steps.
  db.pragma('auto_vacuum = INCREMENTAL');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (typeof mode === 'string' && mode.toLowerCase() !== 'wal') {
    throw new Error(`the file system refused WAL mode (journal_mode is ${mode})`);
  }
  db.pragma(`synchronous = ${options.synchronous}`);
  db.exec(SCHEMA);
  const row = db.prepare('SELECT value FROM spool_meta WHERE key = ?').get('schema') as { value: string } | undefined;
  if (row === undefined) {
    db.prepare('INSERT OR IGNORE INTO spool_meta (key, value) VALUES (?, ?)').run('schema', String(SCHEMA_VERSION));
  } else if (Number(row.value) > SCHEMA_VERSION) {
    throw new Error(
      `the spool was written by a newer @fusewire/spool (schema ${row.value}, this one reads ${SCHEMA_VERSION})`,
    );
  }
}
