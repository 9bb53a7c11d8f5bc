import { describeError } from '../runtime/errors.js';
import type { LogSink } from '../runtime/logger.js';

/** Logs a bug in fusewire itself, once per place and message: it is never thrown into the app. */
export function logInternalError(
  log: LogSink,
  where: string,
  error: unknown,
  what = 'fusewire hit an internal error',
): void {
  const message = describeError(error);
  log.once(`${where}:${message}`, 'error', {}, `${what}: ${message}`);
}
