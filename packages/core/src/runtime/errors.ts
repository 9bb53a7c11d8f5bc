/**
 * Error codes fusewire reports. Every code comes with a hint a user can act on.
 *
 * Only {@link FusewireConfigError} is ever thrown, and only from `createFusewire({ strict: true })`;
 * without `strict` a bad option is a warning, and everything at runtime is counted and logged.
 */
export type FusewireErrorCode =
  | 'FUSEWIRE_CONFIG'
  | 'FUSEWIRE_INVALID_MESSAGE'
  | 'FUSEWIRE_QUEUE_FULL'
  | 'FUSEWIRE_EXPORT_FAILED'
  | 'FUSEWIRE_EXPORT_RETRYING'
  | 'FUSEWIRE_MASK_FAILED'
  | 'FUSEWIRE_CALLBACK_FAILED'
  | 'FUSEWIRE_DISABLED'
  | 'FUSEWIRE_INSECURE_URL'
  | 'FUSEWIRE_SHUTDOWN_TIMEOUT'
  | 'FUSEWIRE_SPOOL_OPEN_FAILED';

/** Base class: a machine-readable `code` and a `hint` saying what to do about it. */
export class FusewireError extends Error {
  readonly code: FusewireErrorCode;
  readonly hint: string;

  constructor(code: FusewireErrorCode, message: string, hint: string) {
    super(`${message} (${code}). ${hint}`);
    this.name = 'FusewireError';
    this.code = code;
    this.hint = hint;
  }
}

/**
 * Thrown by `createFusewire({ strict: true })` when an option or environment variable has a value
 * fusewire cannot use (without `strict` the same problem is a warning and the default applies).
 * The message names the option and what it accepts.
 *
 * @example
 * ```ts
 * try { createFusewire({ flushAt: 0, strict: true }) } catch (e) {
 *   if (e instanceof FusewireConfigError) console.error(e.option, e.hint)
 * }
 * ```
 */
export class FusewireConfigError extends FusewireError {
  /** The option (or environment variable) that was rejected. */
  readonly option: string;

  constructor(option: string, problem: string, hint: string) {
    super('FUSEWIRE_CONFIG', `Invalid fusewire option \`${option}\`: ${problem}`, hint);
    this.name = 'FusewireConfigError';
    this.option = option;
  }
}

/** An error's message without trusting the error: `String()` on a hostile value can throw too. */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return error.message !== '' ? error.message : error.name;
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
