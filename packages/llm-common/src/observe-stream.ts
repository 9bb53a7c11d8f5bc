/** What an integration wants to know about a stream as the app reads it. */
export interface ChunkObserver<T> {
  chunk(value: T): void;
  /** The stream ended normally. */
  done(): void;
  /** Reading failed with `error`. */
  error(error: unknown): void;
  /** The consumer stopped early (`break`, `return()`, a cancelled ReadableStream). */
  cancel(): void;
}

type IteratorFactory<T> = (this: unknown) => AsyncIterator<T>;

/**
 * Watches an SDK stream without consuming it: the app reads it exactly as before (`for await`,
 * `.toReadableStream()`, `.tee()`, cancellation and backpressure are the SDK's own), and the
 * observer sees each chunk as the app pulls it. OpenAI's and Anthropic's streams produce their
 * iterators through an `iterator` method used by all three ways of reading; plain async
 * iterables are watched through `Symbol.asyncIterator`.
 *
 * Returns the same stream object.
 */
export function observeStream<S extends object, T>(stream: S, observer: ChunkObserver<T>): S {
  const target = stream as Record<PropertyKey, unknown>;
  const key: PropertyKey = typeof target.iterator === 'function' ? 'iterator' : Symbol.asyncIterator;
  const original = target[key];
  if (typeof original !== 'function') return stream;
  let finished = false;
  const once = (fn: () => void) => {
    if (finished) return;
    finished = true;
    guard(fn);
  };
  target[key] = function observed(this: unknown, ...args: unknown[]) {
    const inner = (original as IteratorFactory<T>).apply(this, args as []);
    return wrapIterator(inner, observer, once);
  };
  return stream;
}

function wrapIterator<T>(
  inner: AsyncIterator<T>,
  observer: ChunkObserver<T>,
  once: (fn: () => void) => void,
): AsyncIterableIterator<T> {
  const wrapped: AsyncIterableIterator<T> = {
    async next(...args: [] | [unknown]) {
      let result: IteratorResult<T>;
      try {
        result = await inner.next(...args);
      } catch (error) {
        once(() => observer.error(error));
        throw error;
      }
      if (result.done) once(() => observer.done());
      else guard(() => observer.chunk(result.value));
      return result;
    },
    [Symbol.asyncIterator]() {
      return wrapped;
    },
  };
  if (typeof inner.return === 'function') {
    wrapped.return = (value?: unknown) => {
      once(() => observer.cancel());
      return inner.return!(value);
    };
  }
  if (typeof inner.throw === 'function') {
    wrapped.throw = (error?: unknown) => {
      once(() => observer.error(error));
      return inner.throw!(error);
    };
  }
  return wrapped;
}

function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    // An observer bug must never break the app's stream.
  }
}
