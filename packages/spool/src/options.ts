import { FusewireConfigError, type FusewireLogger } from '@fusewire/core';

/**
 * Options of {@link sqliteSpool}. Every size is in bytes, every time in milliseconds.
 */
export interface SqliteSpoolOptions {
  /** The SQLite file (created with its folder if missing). Default: `FUSEWIRE_SPOOL_PATH`. */
  path?: string;
  /** Undelivered events (waiting and dead letters) may fill this much; then new ones are refused as `spool_full`. Default 256 MiB. */
  maxBytes?: number;
  /** Keep delivered rows this long (cleanup removes them in steps, sooner when space is needed). Default 0: removed on delivery. */
  retentionMs?: number;
  /** How long dead letters stay for `fusewire-spool dead-letters` / `replay`. Default 7 days. */
  deadLetterRetentionMs?: number;
  /** `NORMAL` (default): survives a process crash, may lose the last commits on power loss. `FULL`: fsync per commit. */
  synchronous?: 'NORMAL' | 'FULL';
  /** An accepted event is on disk within this many ms (the pipeline drains into the spool every half of it). Default 100. */
  durabilityWindowMs?: number;
  /** A process's claim on rows lasts this long without a heartbeat; then another process takes them over. Default 30 s. */
  leaseMs?: number;
  /** How long a write waits for another process's lock before the events are kept in memory instead. Default 100. */
  busyTimeoutMs?: number;
  /** What to do when the file cannot be opened: throw a clear error (default) or run in memory with one warning. */
  onOpenError?: 'throw' | 'memory';
  /** Events kept in memory while the file is unusable (disk full, read-only, locked, corrupt). Default 64 MiB. */
  memoryMaxBytes?: number;
  /** Where the spool's warnings go (pino or anything with error/warn/info/debug). Default: stderr. */
  logger?: FusewireLogger;
}

export interface ResolvedSpoolOptions {
  path: string;
  maxBytes: number;
  retentionMs: number;
  deadLetterRetentionMs: number;
  synchronous: 'NORMAL' | 'FULL';
  durabilityWindowMs: number;
  leaseMs: number;
  busyTimeoutMs: number;
  onOpenError: 'throw' | 'memory';
  memoryMaxBytes: number;
  logger: FusewireLogger | undefined;
}

const MiB = 1024 * 1024;

function number(options: SqliteSpoolOptions, key: keyof SqliteSpoolOptions, fallback: number, min: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new FusewireConfigError(
      `spool.${key}`,
      `expected a number ≥ ${min}, got ${String(value)}`,
      `Pass a finite number (or leave it out for ${fallback}).`,
    );
  }
  return value;
}

/** Checks options once, at construction, and fills in defaults. Throws {@link FusewireConfigError}. */
export function resolveSpoolOptions(options: SqliteSpoolOptions = {}): ResolvedSpoolOptions {
  const path = options.path ?? process.env.FUSEWIRE_SPOOL_PATH;
  if (typeof path !== 'string' || path.trim() === '') {
    throw new FusewireConfigError(
      'spool.path',
      'no spool file given',
      'Pass sqliteSpool({ path: "/var/lib/myapp/fusewire.db" }) or set FUSEWIRE_SPOOL_PATH.',
    );
  }
  const synchronous = options.synchronous ?? 'NORMAL';
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new FusewireConfigError(
      'spool.synchronous',
      `expected "NORMAL" or "FULL", got ${String(synchronous)}`,
      'Use "NORMAL" (the default) or "FULL".',
    );
  }
  const onOpenError = options.onOpenError ?? 'throw';
  if (onOpenError !== 'throw' && onOpenError !== 'memory') {
    throw new FusewireConfigError(
      'spool.onOpenError',
      `expected "throw" or "memory", got ${String(onOpenError)}`,
      'Use "throw" (the default) or "memory".',
    );
  }
  return {
    path,
    maxBytes: number(options, 'maxBytes', 256 * MiB, 1024),
    retentionMs: number(options, 'retentionMs', 0, 0),
    deadLetterRetentionMs: number(options, 'deadLetterRetentionMs', 7 * 24 * 3_600_000, 0),
    synchronous,
    durabilityWindowMs: number(options, 'durabilityWindowMs', 100, 1),
    leaseMs: number(options, 'leaseMs', 30_000, 100),
    busyTimeoutMs: number(options, 'busyTimeoutMs', 100, 0),
    onOpenError,
    memoryMaxBytes: number(options, 'memoryMaxBytes', 64 * MiB, 0),
    logger: options.logger,
  };
}
