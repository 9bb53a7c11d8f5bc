import type { Fusewire } from '@fusewire/core';

/**
 * Flushes within `timeoutMs` and resolves, whatever happens: the client's own deadline is backed
 * by ours, and a client that throws or rejects (a foreign copy, a future bug) is swallowed. Like
 * Sentry's `flushSafelyWithTimeout`, it can never produce an unhandled rejection.
 */
export function flushSafely(client: Fusewire, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    try {
      Promise.resolve(client.flush(timeoutMs)).then(done, done);
    } catch {
      done();
    }
  });
}
