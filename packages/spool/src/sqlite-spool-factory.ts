import { resolveSpoolOptions, type SqliteSpoolOptions } from './options.js';
import { SqliteSpool } from './sqlite-spool.js';

/**
 * A durable store for fusewire: every accepted event is written to a SQLite file (WAL) within
 * `durabilityWindowMs` and leaves it only once Langfuse accepted it, so a crash, an OOM kill or a
 * deploy during an outage loses nothing that was accepted. Several processes may share one file.
 *
 * Throws only here, at construction: {@link FusewireConfigError} for a bad option,
 * {@link SpoolOpenError} when the file cannot be opened (unless `onOpenError: 'memory'`).
 *
 * @example
 * ```ts
 * import { createFusewire } from '@fusewire/core';
 * import { sqliteSpool } from '@fusewire/spool';
 *
 * const fusewire = createFusewire({ spool: sqliteSpool({ path: '/var/lib/myapp/fusewire.db' }) });
 * ```
 */
export function sqliteSpool(options: SqliteSpoolOptions = {}): SqliteSpool {
  return new SqliteSpool(resolveSpoolOptions(options));
}
