import type { Fusewire } from '@fusewire/core';
import { RouteInvocation } from './route-invocation.js';
import type { PagesRequest, PagesResponse, ResolvedTracingOptions, RouteInfo } from './types.js';

/** True for `(req, res)` with a Node `ServerResponse`: a Pages Router API route. */
export function isPagesApiCall(args: unknown[]): boolean {
  const res = args[1] as PagesResponse | undefined;
  return (
    typeof res === 'object' &&
    res !== null &&
    typeof res.end === 'function' &&
    typeof res.setHeader === 'function' &&
    typeof res.once === 'function' &&
    typeof (args[0] as PagesRequest | undefined)?.headers === 'object'
  );
}

function routeInfo(req: PagesRequest, name: string | undefined, continueTrace: boolean): RouteInfo {
  const method = typeof req.method === 'string' ? req.method : 'GET';
  const path = typeof req.url === 'string' ? (req.url.split('?')[0] ?? '/') : '/';
  const header = req.headers['x-request-id'] ?? req.headers['x-vercel-id'];
  const requestId = Array.isArray(header) ? header[0] : header;
  const traceparent = continueTrace ? req.headers.traceparent : undefined;
  return {
    name: name ?? `${method} ${path}`,
    method,
    path,
    requestId,
    traceparent: Array.isArray(traceparent) ? traceparent[0] : traceparent,
  };
}

/**
 * Traces one Pages Router API route call: `(req, res) => void | Promise<void>`. The trace ends
 * when the response finishes (or the client goes away), or when the handler throws. With the
 * `await` strategy, `res.end()` is held back by at most the flush bound so that the trace has
 * left before the platform can freeze the process.
 */
export function tracePagesApi(
  target: Function,
  thisArg: unknown,
  args: unknown[],
  client: Fusewire,
  options: ResolvedTracingOptions,
): unknown {
  const req = args[0] as PagesRequest;
  const res = args[1] as PagesResponse;
  let inv: RouteInvocation;
  let restoreEnd = () => {};
  let endHeld: Promise<void> | undefined;
  try {
    // `after()` throws outside the App Router; a platform `waitUntil` is still worth asking for.
    inv = new RouteInvocation(
      client,
      routeInfo(req, options.name, options.continueTrace),
      options.flushTimeoutMs,
      false,
    );
    const onFinish = () => {
      cleanup();
      inv.finish(res.statusCode);
    };
    const onClose = () => {
      cleanup();
      if (res.writableFinished === false) {
        inv.finish(res.statusCode, {
          level: 'WARNING',
          statusMessage: 'connection closed before the response finished',
          metadata: { aborted: true },
        });
      } else {
        inv.finish(res.statusCode);
      }
    };
    const cleanup = () => {
      res.removeListener('finish', onFinish);
      res.removeListener('close', onClose);
    };
    res.once('finish', onFinish);
    res.once('close', onClose);
    if (inv.strategy === 'await') {
      restoreEnd = holdEnd(res, inv, (held) => {
        endHeld = held;
      });
    }
  } catch {
    return Reflect.apply(target, thisArg, args);
  }

  const onError = (error: unknown): unknown => {
    // Next answers 500 unless the handler already sent its headers.
    inv.fail(error, res.headersSent === true ? res.statusCode : 500);
    if (inv.strategy !== 'await') throw error;
    // Next answers 500 itself once we re-throw; it needs the real `end` for that.
    restoreEnd();
    return inv.flush().then(() => {
      throw error;
    });
  };
  // Next warns "API resolved without sending a response" if `end` is still held when we resolve.
  const onResult = (value: unknown): unknown => (endHeld === undefined ? value : endHeld.then(() => value));

  let result: unknown;
  try {
    result = inv.run(() => Reflect.apply(target, thisArg, args));
  } catch (error) {
    return onError(error);
  }
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
    return (result as PromiseLike<unknown>).then(onResult, onError);
  }
  return onResult(result);
}

/**
 * Replaces `res.end` so that the first call ends the trace, flushes within the bound, then really
 * ends the response; later calls queue behind it. `end` still returns `res` synchronously.
 */
function holdEnd(res: PagesResponse, inv: RouteInvocation, onHeld: (held: Promise<void>) => void): () => void {
  const originalEnd = res.end;
  let held: Promise<void> | undefined;
  const restoreEnd = () => {
    if (res.end === heldEnd) res.end = originalEnd;
  };
  const callEnd = (self: unknown, endArgs: unknown[]) => {
    try {
      Reflect.apply(originalEnd, self, endArgs);
    } catch (error) {
      // It would have thrown at the call site; now only the response can hear about it.
      res.destroy?.(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const heldEnd = function (this: unknown, ...endArgs: unknown[]) {
    if (held === undefined) {
      inv.finish(res.statusCode);
      held = inv.flush().then(() => {
        restoreEnd();
        callEnd(this, endArgs);
      });
      onHeld(held);
    } else {
      held = held.then(() => callEnd(this, endArgs));
      onHeld(held);
    }
    return this;
  };
  res.end = heldEnd;
  return restoreEnd;
}
