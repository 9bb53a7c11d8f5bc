/**
 * Lets the event loop run between bounded slices of one long job (encoding a multi-MB request), so
 * fusewire's own work never holds the app's event loop for more than about `sliceMs` at a time.
 * `due()` is cheap enough to call per record: it reads the clock and returns a promise only when the
 * slice is spent (awaiting nothing otherwise keeps the fast path free of microtasks).
 */
export class SlicePacer {
  readonly #sliceMs: number;
  #since = performance.now();

  constructor(sliceMs: number) {
    this.#sliceMs = sliceMs;
  }

  /** A promise to await when the slice is spent (it resolves after other macrotasks ran), else undefined. */
  due(): Promise<void> | undefined {
    if (performance.now() - this.#since < this.#sliceMs) return undefined;
    return this.yield();
  }

  /** Gives the event loop a turn now and starts a new slice. */
  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#since = performance.now();
  }
}

/**
 * Per slice of export work. The drain that feeds the lanes works in 8 ms slices too, and export starts
 * on a turn of its own, so the two never add up in one macrotask. 2.5 rather than 5: a young-generation
 * scavenge that lands in a slice adds its own milliseconds on top, and the shorter slice took about
 * 0.7 ms off the drain bench's event-loop max (3 of 3 interleaved rounds) at no measurable CPU per span.
 */
export const EXPORT_SLICE_MS = 2.5;
