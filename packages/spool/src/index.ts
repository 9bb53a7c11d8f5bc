export { sqliteSpool } from './sqlite-spool-factory.js';
export type { SqliteSpool, SpoolStats } from './sqlite-spool.js';
export type { SqliteSpoolOptions } from './options.js';
export { SpoolOpenError } from './open-spool.js';
export type { SpoolFault } from './faults.js';
export {
  listDeadLetters,
  readSpoolStats,
  replayDeadLetters,
  type SpoolDeadLetter,
  type SpoolFileStats,
} from './inspect.js';
