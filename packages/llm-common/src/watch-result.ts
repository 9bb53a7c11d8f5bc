type Fn = (...args: unknown[]) => unknown;
type Watch = { onValue: (value: unknown) => void; onError: (error: unknown) => void };

/**
 * Calls `onValue`/`onError` with the outcome of an SDK call and returns the very same promise
 * object, so the app keeps the SDK's promise subclass (`.withResponse()`, `.asResponse()`) and its
 * exact errors. The watch attaches lazily, when the app first reads the parsed result: OpenAI's and
 * Anthropic's API promises route `then`, `catch`, `finally` and `withResponse()` through `parse()`,
 * so that is where it hooks; an app that only reads the raw `asResponse()` keeps its body unread.
 * Results derived with the SDKs' `_thenUnwrap` (their `.parse()` helpers) are watched too.
 */
export function watchResult<P extends object>(
  promise: P,
  onValue: (value: unknown) => void,
  onError: (error: unknown) => void,
): P {
  watch(promise as Record<string, unknown>, { onValue: guarded(onValue), onError: guarded(onError) }, { done: false });
  return promise;
}

function watch(target: Record<string, unknown>, handlers: Watch, state: { done: boolean }): void {
  // `subscribe` hands the two handlers to whatever settles with the parsed result.
  const attach = (subscribe: (onValue: Fn, onError: Fn) => void) => {
    if (state.done) return;
    state.done = true;
    try {
      subscribe(handlers.onValue as Fn, handlers.onError as Fn);
    } catch {
      // A foreign thenable misbehaving is not the app's problem.
    }
  };
  const parse = target.parse;
  if (typeof parse === 'function') {
    target.parse = function parseWatched(this: unknown, ...args: unknown[]) {
      const parsed = (parse as Fn).apply(this, args) as PromiseLike<unknown>;
      attach((ok, fail) => parsed.then(ok, fail));
      return parsed;
    };
    const unwrap = target._thenUnwrap;
    if (typeof unwrap === 'function') {
      target._thenUnwrap = function thenUnwrapWatched(this: unknown, ...args: unknown[]) {
        const derived = (unwrap as Fn).apply(this, args);
        if (typeof derived === 'object' && derived !== null) watch(derived as Record<string, unknown>, handlers, state);
        return derived;
      };
    }
    return;
  }
  const then = target.then;
  if (typeof then !== 'function') return;
  // biome-ignore lint/suspicious/noThenProperty: the point is to see when the app reads the result.
  target.then = function thenWatched(this: unknown, ...args: unknown[]) {
    attach((ok, fail) => (then as Fn).call(this, ok, fail));
    return (then as Fn).apply(this, args);
  };
}

function guarded(fn: (value: unknown) => void): (value: unknown) => void {
  return (value) => {
    try {
      fn(value);
    } catch {
      // Never the app's problem.
    }
  };
}
