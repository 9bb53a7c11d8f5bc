/**
 * What `flush()` waits for, without per-event work: every admitted event belongs to the
 * current epoch; a flush seals it and waits until that epoch and every older one are settled.
 * Waiters leave at their deadline, and waking costs only the waiters that are done, so a flush
 * never costs more because of flushes that came before it.
 */
export class FlushEpochs {
  #current = 0;
  #currentPending = 0;
  /** Sealed epochs with events still pending: epoch → count. Insertion order is epoch order. */
  readonly #sealed = new Map<number, number>();
  /** Waiters by id; ids and epochs both grow, so insertion order is epoch order. */
  readonly #waiters = new Map<number, { epoch: number; resolve: () => void }>();
  #nextWaiter = 0;

  /** The epoch a newly admitted event joins. */
  get current(): number {
    return this.#current;
  }

  /** Waiters still in place (for tests and stats). */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Sealed epochs not yet settled. */
  get sealedOpen(): number {
    return this.#sealed.size;
  }

  admit(): number {
    this.#currentPending++;
    return this.#current;
  }

  settle(epoch: number): void {
    if (epoch === this.#current) {
      this.#currentPending--;
      return;
    }
    const left = (this.#sealed.get(epoch) ?? 1) - 1;
    if (left > 0) {
      this.#sealed.set(epoch, left);
      return;
    }
    this.#sealed.delete(epoch);
    this.#wake();
  }

  /** Closes the current epoch; returns it. */
  seal(): number {
    const epoch = this.#current;
    if (this.#currentPending > 0) this.#sealed.set(epoch, this.#currentPending);
    this.#current++;
    this.#currentPending = 0;
    return epoch;
  }

  /** Resolves true once `epoch` and all older ones are settled, or false at the deadline. Never rejects. */
  wait(epoch: number, timeoutMs: number): Promise<boolean> {
    if (this.#isDone(epoch)) return Promise.resolve(true);
    const id = this.#nextWaiter++;
    return new Promise<boolean>((resolve) => {
      // A ref'd deadline: an awaited flush keeps a script alive until it is done.
      const timer = setTimeout(
        () => {
          this.#waiters.delete(id);
          resolve(false);
        },
        Math.max(0, timeoutMs),
      );
      this.#waiters.set(id, {
        epoch,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }

  #isDone(epoch: number): boolean {
    const oldest = this.#sealed.keys().next();
    return oldest.done === true || oldest.value > epoch;
  }

  #wake(): void {
    for (const [id, waiter] of this.#waiters) {
      if (!this.#isDone(waiter.epoch)) return;
      this.#waiters.delete(id);
      waiter.resolve();
    }
  }
}
