import { mkdirSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { FusewireError } from '@fusewire/core';
import { classifyFault, describe } from './faults.js';
import { prepareSchema, type ConnectionOptions } from './schema.js';
import type { SpoolLog } from './spool-log.js';

/**
 * Thrown by `sqliteSpool()` (at construction only) when the spool file cannot be opened.
 * The message names the path and the cause.
 *
 * @example
 * ```ts
 * try { sqliteSpool({ path: '/read-only/spool.db' }) } catch (e) {
 *   if (e instanceof SpoolOpenError) console.error(e.path, e.cause)
 * }
 * ```
 */
export class SpoolOpenError extends FusewireError {
  /** The file that could not be opened (absolute). */
  readonly path: string;

  constructor(path: string, cause: unknown) {
    super(
      'FUSEWIRE_SPOOL_OPEN_FAILED',
      `cannot open the fusewire spool at ${path}: ${describe(cause)}`,
      'Check that the folder exists or can be created and is writable by this process, or pass onOpenError: "memory" to run without a spool.',
    );
    this.name = 'SpoolOpenError';
    this.path = path;
    this.cause = cause;
  }
}

/**
 * Opens (creating if needed) the spool file. A file that is not a database or is damaged is
 * moved aside as `<path>.corrupt-<time>` and a new one made: its events are unreadable anyway,
 * and the app must keep its spool. Anything else throws {@link SpoolOpenError}.
 */
export function openSpoolFile(path: string, options: ConnectionOptions, log: SpoolLog): Database.Database {
  const file = resolve(path);
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw new SpoolOpenError(file, error);
  }
  try {
    return openOnce(file, options);
  } catch (error) {
    if (classifyFault(error) !== 'corrupt') throw new SpoolOpenError(file, error);
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      renameSync(file, aside);
      for (const suffix of ['-wal', '-shm']) {
        try {
          renameSync(file + suffix, aside + suffix);
        } catch {}
      }
    } catch (renameError) {
      throw new SpoolOpenError(file, renameError);
    }
    log.log(
      'warn',
      { code: 'FUSEWIRE_SPOOL_CORRUPT', path: file, movedTo: aside },
      `the spool file was damaged (${describe(error)}); it was moved to ${aside} and a new spool started. Events in the old file cannot be read.`,
    );
    try {
      return openOnce(file, options);
    } catch (again) {
      throw new SpoolOpenError(file, again);
    }
  }
}

function openOnce(file: string, options: ConnectionOptions): Database.Database {
  const db = new Database(file);
  try {
    prepareSchema(db, options);
    // Touch what the spool reads first, so a damaged file is found now rather than mid-run.
    db.prepare('SELECT seq FROM events WHERE state = 0 AND owner IS NULL ORDER BY seq LIMIT 1').get();
    db.prepare('SELECT count(*) FROM owners').get();
    db.prepare('SELECT sum(events) FROM totals').get();
    return db;
  } catch (error) {
    try {
      db.close();
    } catch {}
    throw error;
  }
}
