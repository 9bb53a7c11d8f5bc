/** Turns many flush requests into few flushes. See {@link createFlushCoalescer}. */
export interface FlushCoalescer {
  /** Asks for a flush that starts now or after the one in flight. Never throws, never waits. */
  request(): void;
  /** Resolves once no flush is in flight or queued. Never rejects. */
  idle(): Promise<void>;
  /** How many times the flush function was called. */
  readonly flushes: number;
}

/**
 * Runs at most one flush at a time, plus at most one queued behind it: requests that arrive
 * while a flush is in flight share a single trailing flush, so events ended during the
 * in-flight flush are still sent, and N requests ending together cost about two flushes.
 *
 * @example
 * ```ts
 * const coalescer = createFlushCoalescer(() => client.flush(2000));
 * res.on('finish', () => coalescer.request()); // after the response, never delaying it
 * ```
 */
export function createFlushCoalescer(flush: () => unknown): FlushCoalescer {
  let running: Promise<void> | undefined;
  let busy = false;
  let queued = false;
  let flushes = 0;

  async function loop(): Promise<void> {
    do {
      queued = false;
      flushes++;
      try {
        await flush();
      } catch {
        // The core client's flush never rejects; a stand-in that does must not break the app.
      }
    } while (queued);
    busy = false;
    running = undefined;
  }

  return {
    request() {
      if (busy) {
        queued = true;
        return;
      }
      busy = true;
      running = loop();
    },
    idle() {
      return running ?? Promise.resolve();
    },
    get flushes() {
      return flushes;
    },
  };
}
