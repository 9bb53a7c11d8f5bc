import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SpoolOpenError } from './open-spool.js';
import { CLAIMED, DEAD, DELIVERED, PENDING } from './schema.js';

/** A spool file as the CLI sees it. */
export interface SpoolFileStats {
  path: string;
  /** The file and its WAL, in bytes. */
  fileBytes: number;
  waiting: { events: number; bytes: number; claimed: number; oldestAt?: string };
  deadLetters: { events: number; bytes: number; byReason: Record<string, number> };
  deliveredKept: number;
  /** Processes registered on the file (live or not yet taken over). */
  owners: Array<{ pid: number; host: string; leaseUntil: string; expired: boolean }>;
}

/** One dead letter kept in the spool. */
export interface SpoolDeadLetter {
  seq: number;
  kind: string;
  traceId?: string;
  id?: string;
  reason: string;
  message: string;
  /** ISO time it became a dead letter. */
  at: string;
  /** How many times it was claimed for sending. */
  claims: number;
  /** The spooled record (JSON text, cut to 2 KB unless `full`). */
  record: string;
}

function open(path: string, readonly: boolean): Database.Database {
  const file = resolve(path);
  try {
    const db = new Database(file, { readonly, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (error) {
    throw new SpoolOpenError(file, error);
  }
}

function fileSize(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(path + suffix).size;
    } catch {}
  }
  return total;
}

/**
 * What a spool file holds: waiting events, dead letters by reason, the processes sharing it.
 *
 * @example
 * ```ts
 * import { readSpoolStats } from '@fusewire/spool';
 * console.log(readSpoolStats('/var/lib/myapp/fusewire.db').waiting.events);
 * ```
 */
export function readSpoolStats(path: string, now = Date.now()): SpoolFileStats {
  const db = open(path, true);
  try {
    const totals = db.prepare('SELECT state, events, bytes FROM totals').all() as Array<{
      state: number;
      events: number;
      bytes: number;
    }>;
    const t = (s: number) => totals.find((r) => r.state === s) ?? { events: 0, bytes: 0 };
    const oldest = db.prepare('SELECT min(created_at) AS at FROM events WHERE state = 0').get() as {
      at: number | null;
    };
    const reasons = db
      .prepare('SELECT reason, count(*) AS n FROM events WHERE state = 2 GROUP BY reason')
      .all() as Array<{
      reason: string;
      n: number;
    }>;
    const owners = db.prepare('SELECT pid, host, lease_until AS leaseUntil FROM owners').all() as Array<{
      pid: number;
      host: string;
      leaseUntil: number;
    }>;
    return {
      path: resolve(path),
      fileBytes: fileSize(resolve(path)),
      waiting: {
        events: t(PENDING).events + t(CLAIMED).events,
        bytes: t(PENDING).bytes + t(CLAIMED).bytes,
        claimed: t(CLAIMED).events,
        ...(oldest.at !== null ? { oldestAt: new Date(oldest.at).toISOString() } : {}),
      },
      deadLetters: {
        events: t(DEAD).events,
        bytes: t(DEAD).bytes,
        byReason: Object.fromEntries(reasons.map((r) => [r.reason, r.n])),
      },
      deliveredKept: t(DELIVERED).events,
      owners: owners.map((o) => ({
        pid: o.pid,
        host: o.host,
        leaseUntil: new Date(o.leaseUntil).toISOString(),
        expired: o.leaseUntil < now,
      })),
    };
  } finally {
    db.close();
  }
}

/**
 * The dead letters kept in a spool file, oldest first.
 *
 * @example
 * ```ts
 * import { listDeadLetters } from '@fusewire/spool';
 * for (const d of listDeadLetters('fusewire.db', { reason: 'non_retryable' })) console.log(d.id, d.message);
 * ```
 */
export function listDeadLetters(
  path: string,
  options: { reason?: string; limit?: number; full?: boolean } = {},
): SpoolDeadLetter[] {
  const db = open(path, true);
  try {
    const rows = db
      .prepare(
        `SELECT seq, kind, trace_id AS traceId, event_id AS id, reason, message, settled_at AS at, claims, record
         FROM events WHERE state = 2 AND (? IS NULL OR reason = ?) ORDER BY seq LIMIT ?`,
      )
      .all(options.reason ?? null, options.reason ?? null, options.limit ?? 100) as Array<
      Omit<SpoolDeadLetter, 'at'> & { at: number }
    >;
    return rows.map((r) => ({
      seq: r.seq,
      kind: r.kind,
      ...(r.traceId !== null ? { traceId: r.traceId } : {}),
      ...(r.id !== null ? { id: r.id } : {}),
      reason: r.reason,
      message: r.message ?? '',
      at: new Date(r.at).toISOString(),
      claims: r.claims,
      record: options.full === true || r.record.length <= 2048 ? r.record : `${r.record.slice(0, 2048)}…`,
    }));
  } finally {
    db.close();
  }
}

/**
 * Puts dead letters back in line to be sent (after fixing the cause: keys, a proxy, a schema).
 * A running app on the file picks them up with its next batch. Returns how many were moved.
 *
 * @example
 * ```ts
 * import { replayDeadLetters } from '@fusewire/spool';
 * replayDeadLetters('fusewire.db', { reason: 'retry_exhausted' });
 * ```
 */
export function replayDeadLetters(path: string, options: { reason?: string; limit?: number } = {}): number {
  const db = open(path, false);
  try {
    const replay = db.prepare(
      `UPDATE events SET state = 0, owner = NULL, reason = NULL, message = NULL, settled_at = NULL
       WHERE seq IN (SELECT seq FROM events WHERE state = 2 AND (? IS NULL OR reason = ?) ORDER BY seq LIMIT ?)
       RETURNING bytes`,
    );
    const move = db.prepare('UPDATE totals SET events = events + ?, bytes = bytes + ? WHERE state = ?');
    return db
      .transaction(() => {
        const rows = replay.all(options.reason ?? null, options.reason ?? null, options.limit ?? -1) as Array<{
          bytes: number;
        }>;
        const bytes = rows.reduce((sum, r) => sum + r.bytes, 0);
        move.run(-rows.length, -bytes, DEAD);
        move.run(rows.length, bytes, PENDING);
        return rows.length;
      })
      .immediate();
  } finally {
    db.close();
  }
}
