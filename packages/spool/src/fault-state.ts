import { SPOOL_FAULTS, type SpoolFault, classifyFault, describe, faultHint } from './faults.js';
import type { SpoolLog } from './spool-log.js';

// A broken file is not retried on every append: a locked one soon, anything else less often.
const RETRY_MS: Record<SpoolFault, number> = {
  locked: 250,
  disk_full: 1_000,
  read_only: 2_000,
  io_error: 2_000,
  corrupt: 30_000,
  internal: 5_000,
};

/** Whether the file works right now, what broke it, and how often each kind of fault happened. */
export class FaultState {
  readonly counts = Object.fromEntries(SPOOL_FAULTS.map((f) => [f, 0])) as Record<SpoolFault, number>;
  current: { fault: SpoolFault; message: string; since: number } | undefined;
  #retryAt = 0;
  readonly #log: SpoolLog;
  readonly #path: string;

  constructor(log: SpoolLog, path: string) {
    this.#log = log;
    this.#path = path;
  }

  /** Counts a failed operation and logs the first of its kind (until the file recovers). */
  record(error: unknown, now: number): SpoolFault {
    const fault = classifyFault(error);
    this.counts[fault]++;
    const message = describe(error);
    if (this.current === undefined) this.current = { fault, message, since: now };
    else if (this.current.fault !== fault) this.current = { fault, message, since: this.current.since };
    this.#retryAt = now + RETRY_MS[fault];
    this.#log.once(
      `fault:${fault}`,
      'error',
      { code: 'FUSEWIRE_SPOOL_ERROR', fault, path: this.#path, cause: message },
      `spool ${this.#path}: ${message}. ${faultHint(fault)}.`,
    );
    return fault;
  }

  /** True when the file may be tried: no fault, or the fault's retry time has come. */
  mayTry(now: number): boolean {
    return this.current === undefined || now >= this.#retryAt;
  }

  /**
   * A write worked: the fault is over. After events were written, that is logged once and the next
   * fault logs again; a quiet recovery (an idle heartbeat) only clears the state, so a file that
   * flips between working and failing cannot flood the log.
   */
  recovered(inMemory: number, quiet = false): void {
    const was = this.current;
    if (was === undefined) return;
    this.current = undefined;
    if (quiet) return;
    for (const f of SPOOL_FAULTS) this.#log.forget(`fault:${f}`);
    this.#log.log(
      'warn',
      { code: 'FUSEWIRE_SPOOL_RECOVERED', path: this.#path, fault: was.fault, movedFromMemory: inMemory },
      `spool ${this.#path} writable again after ${was.fault}; ${inMemory} events held in memory were written to it`,
    );
  }
}
