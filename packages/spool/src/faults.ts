/** What went wrong with the file, in the words stats and logs use. */
export type SpoolFault = 'disk_full' | 'read_only' | 'locked' | 'corrupt' | 'io_error' | 'internal';

export const SPOOL_FAULTS: readonly SpoolFault[] = [
  'disk_full',
  'read_only',
  'locked',
  'corrupt',
  'io_error',
  'internal',
];

const HINTS: Record<SpoolFault, string> = {
  disk_full: 'the disk is full: free space or lower maxBytes; events are kept in memory meanwhile',
  read_only: 'the file or its folder is read-only: give the process write access; events are kept in memory meanwhile',
  locked: 'another process holds the file locked for longer than busyTimeoutMs; events are kept in memory and retried',
  corrupt:
    'the file is damaged: events are kept in memory; on the next start the file is moved aside and a new one made',
  io_error: 'the disk reported an I/O error: check the device; events are kept in memory meanwhile',
  internal: 'an unexpected spool error: events are kept in memory; please report it',
};

/** Classifies an error better-sqlite3 (or the file system) threw. */
export function classifyFault(error: unknown): SpoolFault {
  const code = typeof error === 'object' && error !== null ? String((error as { code?: unknown }).code ?? '') : '';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'disk_full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
    return 'read_only';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'EIO') {
    // SQLite reports a full disk during a WAL write as an I/O error with ENOSPC underneath.
    return /no space|disk is full|ENOSPC/i.test(describe(error)) ? 'disk_full' : 'io_error';
  }
  return 'internal';
}

export function faultHint(fault: SpoolFault): string {
  return HINTS[fault];
}

/** An error's code and message without trusting the error. */
export function describe(error: unknown): string {
  try {
    if (error instanceof Error) {
      const code = (error as { code?: unknown }).code;
      return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
    }
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
