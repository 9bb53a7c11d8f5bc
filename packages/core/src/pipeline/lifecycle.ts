import { inspect } from 'node:util';
import type { LogSink } from '../runtime/logger.js';
import type { FusewireStats } from './stats.js';

/** What the process hooks drive. */
export interface LifecycleTarget {
  /** Events pending anywhere. */
  pending(): number;
  flush(timeoutMs: number): Promise<FusewireStats>;
  shutdown(timeoutMs: number): Promise<FusewireStats>;
}

export interface LifecycleOptions {
  log: LogSink;
  /** Flush at `beforeExit`, and act on SIGTERM / an uncaught exception when nothing else does. */
  flushOnExit: boolean;
  /** Deadline for a flush at `beforeExit`. */
  timeoutMs: number;
  /** Deadline for sending what can be sent on SIGTERM with no handler. */
  signalDeadlineMs: number;
  /** Deadline for sending what can be sent after an uncaught exception nobody handles. */
  crashDeadlineMs: number;
  /** The process to hook (a stand-in in tests). */
  process?: ProcessHooks;
}

/** The part of `process` the hooks use. */
export type ProcessHooks = Pick<NodeJS.Process, 'on' | 'off' | 'listenerCount' | 'kill' | 'exit' | 'pid'> & {
  exitCode?: NodeJS.Process['exitCode'];
  stderr: { write(text: string): unknown };
};

/**
 * The process hooks. fusewire never decides how the app exits when the app has a say: on
 * SIGTERM or an uncaught exception it acts only if its own listener is the only one (Node's
 * default would end the process at once, losing everything). Then it logs, sends what it can
 * within a short deadline, and ends the process as Node would have (the signal re-raised; exit
 * code 1 with the error printed).
 */
export class Lifecycle {
  readonly #target: LifecycleTarget;
  readonly #o: LifecycleOptions;
  readonly #process: ProcessHooks;
  #lastExitPending = -1;
  #ending = false;
  readonly #onBeforeExit = () => this.#beforeExit();
  readonly #onExit = () => this.#exit();
  readonly #onSigterm = () => this.#sigterm();
  readonly #onUncaught = (error: unknown, origin: string) => this.#uncaught(error, origin);

  constructor(target: LifecycleTarget, options: LifecycleOptions) {
    this.#target = target;
    this.#o = options;
    this.#process = options.process ?? process;
  }

  install(): void {
    this.#process.on('exit', this.#onExit);
    if (!this.#o.flushOnExit) return;
    this.#process.on('beforeExit', this.#onBeforeExit);
    this.#process.on('SIGTERM', this.#onSigterm);
    this.#process.on('uncaughtException', this.#onUncaught);
  }

  /** Shutdown started: no more flushes at exit, and signals and crashes are Node's again. */
  stopping(): void {
    this.#process.off('beforeExit', this.#onBeforeExit);
    if (!this.#ending) {
      this.#process.off('SIGTERM', this.#onSigterm);
      this.#process.off('uncaughtException', this.#onUncaught);
    }
  }

  /** Shutdown done: nothing left to warn about at exit. */
  uninstall(): void {
    this.stopping();
    this.#process.off('exit', this.#onExit);
  }

  #beforeExit(): void {
    const pending = this.#target.pending();
    // Flush again only while flushing makes progress, so a dead backend cannot keep the process alive.
    if (pending === 0 || pending === this.#lastExitPending) return;
    this.#lastExitPending = pending;
    void this.#target.flush(this.#o.timeoutMs);
  }

  #exit(): void {
    const unsent = this.#target.pending();
    if (unsent === 0) return;
    this.#o.log.log(
      'warn',
      { code: 'FUSEWIRE_SHUTDOWN_TIMEOUT', unsent },
      `process exiting with ${unsent} events unsent. Call await client.shutdown() before exiting.`,
    );
  }

  #sigterm(): void {
    // Someone else listens: the app owns its exit (and, we hope, calls shutdown()).
    if (this.#process.listenerCount('SIGTERM') > 1 || this.#ending) return;
    this.#ending = true;
    const deadline = this.#o.signalDeadlineMs;
    this.#o.log.log(
      'warn',
      { code: 'FUSEWIRE_SHUTDOWN_TIMEOUT', signal: 'SIGTERM', pending: this.#target.pending() },
      `SIGTERM and no handler for it: fusewire sends what it can within ${deadline} ms, then the process ends as it would have. Add a SIGTERM handler that awaits fusewire.shutdown() to choose yourself.`,
    );
    void this.#target.shutdown(deadline).finally(() => {
      this.#process.off('SIGTERM', this.#onSigterm);
      this.#process.off('uncaughtException', this.#onUncaught);
      this.#process.kill(this.#process.pid, 'SIGTERM');
    });
  }

  #uncaught(error: unknown, origin: string): void {
    // Another handler decides what an uncaught exception means for this app.
    if (this.#process.listenerCount('uncaughtException') > 1 || this.#ending) return;
    this.#ending = true;
    const deadline = this.#o.crashDeadlineMs;
    // What Node would have printed, first: the crash is the news, not us.
    this.#process.stderr.write(
      `${origin === 'unhandledRejection' ? 'Unhandled rejection' : 'Uncaught'} ${inspectSafe(error)}\n`,
    );
    this.#o.log.log(
      'error',
      { code: 'FUSEWIRE_SHUTDOWN_TIMEOUT', pending: this.#target.pending() },
      `uncaught exception: fusewire sends what it can within ${deadline} ms, then the process exits with code 1 as it would have.`,
    );
    this.#process.exitCode = 1;
    void this.#target.shutdown(deadline).finally(() => this.#process.exit(1));
  }
}

function inspectSafe(value: unknown): string {
  try {
    return inspect(value);
  } catch {
    return '(unprintable error)';
  }
}
