import type { Fusewire } from '@fusewire/core';
import { flushSafely } from './flush-safely.js';
import { nextAfter } from './next-after.js';

/**
 * How this invocation's trace leaves the process before a serverless platform may freeze it:
 * - `after`: Next's `after()` flushes once the response is sent (App Router, Next 15.1+);
 * - `waitUntil`: the platform keeps the function alive until the flush settles (Vercel);
 * - `await`: serverless with neither: the wrapper awaits a bounded flush before it returns;
 * - `interval`: a long-lived server; the batcher's interval sends it.
 */
export type FlushStrategy = 'after' | 'waitUntil' | 'await' | 'interval';

const VERCEL_REQUEST_CONTEXT = Symbol.for('@vercel/request-context');
/** Environment variables that mean the process may be frozen right after a response. */
const SERVERLESS_ENV = ['VERCEL', 'AWS_LAMBDA_FUNCTION_NAME', 'K_SERVICE', 'NETLIFY'] as const;

type WaitUntil = (promise: Promise<unknown>) => void;

/** The platform's `waitUntil` for the current request, when there is one (Vercel). */
export function platformWaitUntil(): WaitUntil | undefined {
  try {
    const context = (globalThis as Record<symbol, any>)[VERCEL_REQUEST_CONTEXT]?.get?.();
    const waitUntil = context?.waitUntil;
    return typeof waitUntil === 'function' ? (promise) => waitUntil.call(context, promise) : undefined;
  } catch {
    return undefined;
  }
}

/** True on platforms that may freeze the process once a response is sent. */
export function isServerless(): boolean {
  for (const name of SERVERLESS_ENV) if (process.env[name]) return true;
  return false;
}

/**
 * Picks the strategy, and for `after`/`waitUntil` hands the platform a task that waits for the
 * invocation's trace to end (`ended`, which never rejects), then flushes within `timeoutMs`.
 * Must run inside the request's async context. Never throws.
 *
 * @example
 * ```ts
 * if (planFlush(ended, client, 2000, true) === 'await') await flushSafely(client, 2000);
 * ```
 */
export function planFlush(ended: Promise<void>, client: Fusewire, timeoutMs: number, tryAfter: boolean): FlushStrategy {
  const task = () => ended.then(() => flushSafely(client, timeoutMs));
  if (tryAfter) {
    const after = nextAfter();
    if (typeof after === 'function') {
      try {
        after(task);
        return 'after';
      } catch {
        // Outside a request scope (Pages Router, scripts): `after` throws by design.
      }
    }
  }
  const waitUntil = platformWaitUntil();
  if (waitUntil !== undefined) {
    try {
      waitUntil(task());
      return 'waitUntil';
    } catch {
      // A broken platform hook: fall through to the next safest option.
    }
  }
  return isServerless() ? 'await' : 'interval';
}
