/**
 * Watching a function's result without changing what its caller gets: the semantics
 * `instrument()` and `withTrace()` promise.
 */

/** The result's `then` when it is a thenable, else undefined. Never throws (a throwing getter means "not a thenable"). */
export function thenOf(result: unknown): ((onValue: unknown, onError: unknown) => unknown) | undefined {
  if (result === null || (typeof result !== 'object' && typeof result !== 'function')) return undefined;
  try {
    const then = (result as { then?: unknown }).then;
    return typeof then === 'function' ? (then as (onValue: unknown, onError: unknown) => unknown) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Watches the thenable with `onValue` and `onError` as its own reactions — `onValue` must
 * return the value, `onError` must rethrow the error, and neither may throw otherwise — and
 * returns what the caller should get:
 * - a promise subclass (an SDK's API promise with extra methods such as `.withResponse()`) is
 *   eager and may be used for more than its value: it is returned itself, watched from the side
 *   (the rethrow swallowed there, so the side chain never rejects unhandled);
 * - a plain promise or any other thenable is chained through its own `then`, called exactly
 *   once (a lazy thenable such as a query builder runs once), so the caller gets the same value
 *   or the same error object, in the thenable's own type;
 * - a `then` that throws is reported to `onError` and the original returned: awaiting it throws
 *   the same way it would have.
 * The handlers are the reactions themselves, not wrapped: two closures and two calls less per
 * `instrument()` of an async function.
 */
export function watchThenable(
  result: unknown,
  then: (onValue: unknown, onError: unknown) => unknown,
  onValue: (value: unknown) => unknown,
  onError: (error: unknown) => never,
): unknown {
  try {
    if (result instanceof Promise && Object.getPrototypeOf(result) !== Promise.prototype) {
      then.call(result, onValue, (error: unknown) => swallow(onError, error));
      return result;
    }
    return then.call(result, onValue, onError);
  } catch (error) {
    swallow(onError, error);
    return result;
  }
}

function swallow(onError: (error: unknown) => never, error: unknown): void {
  try {
    onError(error);
  } catch {
    // The rethrow: the caller sees this error through its own promise.
  }
}
