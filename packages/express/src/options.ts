import { FusewireConfigError } from '@fusewire/core';
import type { ExpressRequest } from './types.js';

/**
 * When the request's events are sent. `interval`: by the core batcher on its schedule (long-running
 * servers). `request`: right after each response is sent (serverless), without delaying it.
 *
 * @example
 * ```ts
 * const flush: FlushMode = process.env.AWS_LAMBDA_FUNCTION_NAME ? 'request' : 'interval';
 * app.use(middleware(client, { flush }));
 * ```
 */
export type FlushMode = 'interval' | 'request';

/**
 * Options of {@link middleware}. All optional; validated once, when the middleware is made.
 *
 * @example
 * ```ts
 * const options: ExpressTracingOptions = {
 *   ignore: ['/health', /^\/static\//],
 *   sample: 0.25,
 *   headers: ['user-agent'],
 * };
 * app.use(middleware(client, options));
 * ```
 */
export interface ExpressTracingOptions {
  /** Default `'interval'`. */
  flush?: FlushMode;
  /** In `'request'` mode, how long one flush may take before it gives up (events stay queued). Default 2000 ms. */
  flushTimeoutMs?: number;
  /**
   * Requests that get no trace at all, e.g. health checks. Strings match the path exactly (no query
   * string), RegExps are tested against it; or a function of the request.
   */
  ignore?: ReadonlyArray<string | RegExp> | ((req: ExpressRequest) => boolean);
  /** Share of requests traced, 0 to 1, or a function deciding per request. Default 1. */
  sample?: number | ((req: ExpressRequest) => boolean);
  /**
   * Request headers copied into the root observation's metadata, by name (case-insensitive).
   * Default none. `authorization`, `cookie` and `proxy-authorization` are recorded as `[redacted]`.
   */
  headers?: readonly string[];
  /**
   * Names the trace from the method and the matched route pattern (undefined when no route
   * matched). Default `` `${method} ${route}` `` or `` `${method} (unmatched)` ``.
   */
  traceName?: (method: string, route: string | undefined, req: ExpressRequest) => string;
  /**
   * Continue the caller's trace when the request carries a W3C `traceparent` header (another
   * service sent it, e.g. with core's `traceHeaders()`): the request's observation joins that trace
   * under the caller's span. A malformed header starts a new trace. Default `true`.
   */
  continueTrace?: boolean;
}

/** Options after defaults and validation, read once per middleware. */
export interface ResolvedTracingOptions {
  flush: FlushMode;
  flushTimeoutMs: number;
  ignore: ((req: ExpressRequest) => boolean) | undefined;
  sample: ((req: ExpressRequest) => boolean) | undefined;
  headers: readonly string[];
  traceName: ((method: string, route: string | undefined, req: ExpressRequest) => string) | undefined;
  continueTrace: boolean;
}

const KNOWN = new Set(['flush', 'flushTimeoutMs', 'ignore', 'sample', 'headers', 'traceName', 'continueTrace']);

/** A bad value as an error message may show it: short, and never anything holding the secret key. */
function shown(value: unknown): string {
  if (typeof value !== 'string') return typeof value === 'object' && value !== null ? 'an object' : String(value);
  const secret = process.env.LANGFUSE_SECRET_KEY;
  // The adapter cannot see the client's secret: quote only short values that are not key-shaped.
  const keyShaped = value.startsWith('sk-') || (secret !== undefined && secret.length >= 4 && value.includes(secret));
  if (keyShaped || value.length > 12) return 'the given string';
  return JSON.stringify(value);
}

function invalid(option: string, problem: string, hint: string): never {
  throw new FusewireConfigError(`express.${option}`, problem, hint);
}

/**
 * Validates the options once, at construction: the only place this package throws.
 * @throws FusewireConfigError naming the option and what it accepts.
 */
export function resolveTracingOptions(options: ExpressTracingOptions = {}): ResolvedTracingOptions {
  if (typeof options !== 'object' || options === null)
    invalid('options', 'expected an object', 'Pass middleware(client, { ...options }).');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) invalid(key, 'unknown option', `Known options: ${[...KNOWN].join(', ')}.`);
  }
  const {
    flush = 'interval',
    flushTimeoutMs = 2000,
    ignore,
    sample = 1,
    headers = [],
    traceName,
    continueTrace = true,
  } = options;
  if (flush !== 'interval' && flush !== 'request')
    invalid('flush', `${shown(flush)} is not accepted`, "Use 'interval' or 'request'.");
  if (typeof flushTimeoutMs !== 'number' || !(flushTimeoutMs > 0) || !Number.isFinite(flushTimeoutMs)) {
    invalid('flushTimeoutMs', `${shown(flushTimeoutMs)} is not accepted`, 'Use a positive number of milliseconds.');
  }
  if (typeof sample === 'number' ? !(sample >= 0 && sample <= 1) : typeof sample !== 'function') {
    invalid('sample', `${shown(sample)} is not accepted`, 'Use a number from 0 to 1 or a function (req) => boolean.');
  }
  if (!Array.isArray(headers) || !headers.every((h) => typeof h === 'string')) {
    invalid('headers', 'expected an array of header names', "Use e.g. ['user-agent', 'x-forwarded-for'].");
  }
  if (traceName !== undefined && typeof traceName !== 'function') {
    invalid('traceName', 'expected a function', 'Use (method, route, req) => string.');
  }
  if (typeof continueTrace !== 'boolean') {
    invalid('continueTrace', `${shown(continueTrace)} is not accepted`, 'Use true (default) or false.');
  }
  return {
    flush,
    flushTimeoutMs,
    ignore: ignoreMatcher(ignore),
    sample: typeof sample === 'function' ? sample : sample >= 1 ? undefined : () => Math.random() < sample,
    headers: headers.map((h) => h.toLowerCase()),
    traceName,
    continueTrace,
  };
}

function ignoreMatcher(ignore: ExpressTracingOptions['ignore']): ResolvedTracingOptions['ignore'] {
  if (ignore === undefined) return undefined;
  if (typeof ignore === 'function') return ignore;
  if (!Array.isArray(ignore) || !ignore.every((p) => typeof p === 'string' || p instanceof RegExp)) {
    invalid(
      'ignore',
      'expected an array of paths and RegExps, or a function',
      "Use e.g. ['/health', /^\\/static\\//].",
    );
  }
  if (ignore.length === 0) return undefined;
  const exact = new Set(ignore.filter((p): p is string => typeof p === 'string'));
  const patterns = ignore.filter((p): p is RegExp => p instanceof RegExp);
  return (req) => {
    const path = pathOf(req);
    if (exact.has(path)) return true;
    for (const p of patterns) {
      p.lastIndex = 0;
      if (p.test(path)) return true;
    }
    return false;
  };
}

/** The request path without the query string. */
export function pathOf(req: ExpressRequest): string {
  if (typeof req.path === 'string') return req.path;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
