import { getFusewire } from '@fusewire/core';
import { isRequestLike, traceAppRoute } from './app-route.js';
import { loadNextAfter, nextAfter } from './next-after.js';
import { isPagesApiCall, tracePagesApi } from './pages-api.js';
import type { ResolvedTracingOptions, WithTracingOptions } from './types.js';

const DEFAULT_FLUSH_TIMEOUT_MS = 2_000;

function resolveOptions(options: WithTracingOptions | undefined): ResolvedTracingOptions {
  const { name, flushTimeoutMs = DEFAULT_FLUSH_TIMEOUT_MS, continueTrace = true } = options ?? {};
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new TypeError(`withTracing: options.name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (
    typeof flushTimeoutMs !== 'number' ||
    !Number.isFinite(flushTimeoutMs) ||
    flushTimeoutMs < 0 ||
    flushTimeoutMs > 60_000
  ) {
    throw new TypeError(
      `withTracing: options.flushTimeoutMs must be milliseconds from 0 to 60000, got ${String(flushTimeoutMs)}`,
    );
  }
  if (typeof continueTrace !== 'boolean') {
    throw new TypeError(`withTracing: options.continueTrace must be true or false, got ${String(continueTrace)}`);
  }
  return { name, flushTimeoutMs, continueTrace };
}

/**
 * Wraps a Next.js route handler so that each call is one Langfuse trace, named after the route,
 * with its status and duration. Works for App Router route handlers (`(req: Request, ctx) =>
 * Response`) and Pages Router API routes (`(req, res) => void`).
 *
 * - Whatever is published or instrumented inside the handler nests under the route's trace.
 * - Errors are recorded and re-thrown unchanged; `redirect()`, `notFound()`, `forbidden()` and
 *   `unauthorized()` are Next's control flow, recorded with their status and not as errors.
 * - A streamed response is passed through untouched; the trace ends when the stream ends.
 * - The trace is flushed so that serverless freezes cannot lose it: through `after()` in the App
 *   Router, else the platform's `waitUntil`, else (serverless detected) a flush awaited for at most
 *   `flushTimeoutMs`, else by the batcher's interval. Nothing here ever rejects on its own.
 *
 * It uses the process's running client (from {@link register} or `createFusewire()`); with none,
 * or on the edge runtime, the handler runs untraced. Returns a `Proxy` of the handler, so its
 * name, length and properties are the handler's own.
 *
 * @example
 * ```ts
 * // app/api/chat/route.ts
 * import { withTracing } from '@fusewire/next';
 *
 * export const POST = withTracing(async (req: Request) => {
 *   const { question } = await req.json();
 *   return Response.json({ answer: await answer(question) });
 * }, { name: 'chat' });
 * ```
 *
 * @example
 * ```ts
 * // pages/api/hello.ts
 * import type { NextApiRequest, NextApiResponse } from 'next';
 * import { withTracing } from '@fusewire/next';
 *
 * export default withTracing((req: NextApiRequest, res: NextApiResponse) => {
 *   res.status(200).json({ hello: 'world' });
 * });
 * ```
 */
export function withTracing<H extends (...args: any[]) => any>(handler: H, options?: WithTracingOptions): H {
  if (typeof handler !== 'function') {
    throw new TypeError(
      `withTracing: expected a route handler function, got ${handler === null ? 'null' : typeof handler}`,
    );
  }
  const resolved = resolveOptions(options);
  // Route modules load before their first request: by then `after` is usually known.
  void loadNextAfter();
  return new Proxy(handler, {
    apply(target, thisArg, args: unknown[]) {
      const client = getFusewire();
      if (client === undefined || !client.enabled) return Reflect.apply(target, thisArg, args);
      if (isPagesApiCall(args)) return tracePagesApi(target, thisArg, args, client, resolved);
      if (!isRequestLike(args[0])) return Reflect.apply(target, thisArg, args);
      if (nextAfter() !== undefined) return traceAppRoute(target, thisArg, args, client, resolved);
      // First request racing the lazy import: wait for it (still inside the request's context).
      return loadNextAfter().then(() => traceAppRoute(target, thisArg, args, client, resolved));
    },
  });
}
