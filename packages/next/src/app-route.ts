import type { Fusewire } from '@fusewire/core';
import { RouteInvocation } from './route-invocation.js';
import { type BodyOutcome, tracedBody } from './traced-body.js';
import type { ResolvedTracingOptions, RouteInfo } from './types.js';

interface ResponseLike {
  status: number;
  statusText: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

/** True for a Fetch API `Request` (what App Router handlers receive, `NextRequest` included). */
export function isRequestLike(value: unknown): value is Request {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Request).url === 'string' &&
    typeof (value as Request).method === 'string' &&
    typeof (value as Request).headers?.get === 'function'
  );
}

function isResponseLike(value: unknown): value is ResponseLike {
  return (
    typeof value === 'object' && value !== null && typeof (value as Response).status === 'number' && 'body' in value
  );
}

function routeInfo(req: Request, name: string | undefined, continueTrace: boolean): RouteInfo {
  let path = '/';
  try {
    path = new URL(req.url).pathname;
  } catch {
    path = req.url.split('?')[0] ?? '/';
  }
  const requestId = req.headers.get('x-request-id') ?? req.headers.get('x-vercel-id') ?? undefined;
  const traceparent = continueTrace ? (req.headers.get('traceparent') ?? undefined) : undefined;
  return { name: name ?? `${req.method} ${path}`, method: req.method, path, requestId, traceparent };
}

/** Statuses whose responses cannot carry a body (`new Response(body, …)` throws for them). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * Traces one App Router route handler call: `(req: Request, ctx) => Response`. The trace ends
 * when the response body has been sent (streams included), or when the handler throws; the
 * handler's return value or error reaches Next unchanged apart from the body being piped through.
 */
export function traceAppRoute(
  target: Function,
  thisArg: unknown,
  args: unknown[],
  client: Fusewire,
  options: ResolvedTracingOptions,
): unknown {
  let inv: RouteInvocation;
  let method: string;
  try {
    const route = routeInfo(args[0] as Request, options.name, options.continueTrace);
    method = route.method;
    inv = new RouteInvocation(client, route, options.flushTimeoutMs, true);
  } catch {
    return Reflect.apply(target, thisArg, args);
  }

  const onError = (error: unknown): unknown => {
    inv.fail(error);
    if (inv.strategy !== 'await') throw error;
    return inv.flush().then(() => {
      throw error;
    });
  };

  const onResult = (value: unknown): unknown => {
    // A HEAD response's body is never sent, so it would never end the trace.
    const response = isResponseLike(value) && method !== 'HEAD' ? traceResponse(value, inv) : undefined;
    if (response === undefined) inv.finish(isResponseLike(value) ? value.status : undefined);
    const result = response ?? value;
    // A response without a body has been sent once we return it: flush before that.
    if (inv.strategy === 'await' && response === undefined) return inv.flush().then(() => result);
    return result;
  };

  let result: unknown;
  try {
    result = inv.run(() => Reflect.apply(target, thisArg, args));
  } catch (error) {
    return onError(error);
  }
  if (isThenable(result)) return result.then(onResult, onError);
  return onResult(result);
}

/**
 * A copy of `response` whose body ends the trace when it finishes, or undefined when there is no
 * body to follow (the caller then ends the trace now).
 */
function traceResponse(response: ResponseLike, inv: RouteInvocation): Response | undefined {
  const { body, status } = response;
  if (
    body === null ||
    typeof body?.getReader !== 'function' ||
    status < 200 ||
    status > 599 ||
    NULL_BODY_STATUS.has(status)
  ) {
    return undefined;
  }
  try {
    const traced = tracedBody(body, {
      run: (fn) => inv.run(fn),
      end: (outcome) => endWithBody(inv, status, outcome),
      beforeClose: inv.strategy === 'await' ? () => inv.flush() : undefined,
    });
    return new Response(traced, { status, statusText: response.statusText, headers: response.headers });
  } catch {
    // The original body is untouched until the first read: returning the original is safe.
    return undefined;
  }
}

function endWithBody(inv: RouteInvocation, status: number, outcome: BodyOutcome): void {
  if (outcome.kind === 'complete') {
    inv.finish(status);
  } else if (outcome.kind === 'cancelled') {
    inv.finish(status, {
      level: 'WARNING',
      statusMessage: 'response body cancelled (client went away)',
      metadata: { cancelled: true },
    });
  } else {
    inv.fail(outcome.error, status);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
