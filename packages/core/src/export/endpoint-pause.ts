/** The longest pause one answer can impose: past it, one request asks again. */
const MAX_PAUSE_MS = 5 * 60_000;

/**
 * One endpoint's "come back later": a 429 or 503 with `Retry-After` stops every request to the
 * endpoint until then, not just the batch that got the answer — new batches wait in the queue
 * instead of being sent into the window.
 */
export class EndpointPause {
  #until = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #onResume: () => void;

  /** `onResume` runs when a pause ends (the lane starts what waited). */
  constructor(onResume: () => void) {
    this.#onResume = onResume;
  }

  /** Pauses for `ms` from `now` (an earlier, longer pause stands). */
  pause(ms: number, now = Date.now()): void {
    const until = now + Math.min(Math.max(0, ms), MAX_PAUSE_MS);
    if (until <= this.#until) return;
    this.#until = until;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onResume();
    }, until - now);
    // Never what keeps a process alive (a pause can last minutes): an awaited flush has its own ref'd deadline.
    this.#timer.unref();
  }

  /** Milliseconds left of the pause (0 when not paused). */
  remaining(now = Date.now()): number {
    return Math.max(0, this.#until - now);
  }

  /** Ends any pause without resuming (shutdown). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#until = 0;
  }
}
