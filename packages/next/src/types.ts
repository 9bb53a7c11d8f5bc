/**
 * The shapes this adapter touches, described locally (as Sentry does) so that it never imports
 * Next.js internals at runtime. Next's own objects are assignable to these. This file has no
 * runtime imports: the edge entry shares it.
 */
import type { FusewireOptions } from '@fusewire/core';

/** Options for {@link withTracing}. */
export interface WithTracingOptions {
  /**
   * Trace and root-span name. Default: `"<METHOD> <path>"` of the request (query string left
   * out). Set it for routes with dynamic segments so that one route is one name in Langfuse.
   */
  name?: string;
  /**
   * Longest a response (or a re-thrown error) may be held back to flush on serverless
   * platforms that offer neither `after()` nor `waitUntil`. Default 2000 ms.
   */
  flushTimeoutMs?: number;
  /**
   * Continue the caller's trace when the request carries a W3C `traceparent` header (another
   * service sent it, e.g. with core's `traceHeaders()`): the route's observation joins that trace
   * under the caller's span, and the caller's root names the trace. A malformed header starts a new
   * trace. Default `true`.
   */
  continueTrace?: boolean;
}

/** Options for {@link register}: fusewire's own options, with Next-friendly defaults. */
export type RegisterOptions = FusewireOptions;

/** The Node request of a Pages Router API route (`NextApiRequest` is assignable). */
export interface PagesRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/** The Node response of a Pages Router API route (`NextApiResponse` is assignable). */
export interface PagesResponse {
  statusCode: number;
  headersSent?: boolean;
  writableFinished?: boolean;
  end(...args: any[]): unknown;
  setHeader(name: string, value: unknown): unknown;
  once(event: 'finish' | 'close', listener: () => void): unknown;
  removeListener(event: 'finish' | 'close', listener: () => void): unknown;
  destroy?(error?: Error): unknown;
}

/** What the wrapper needs to know about a handler's invocation to trace it. */
export interface RouteInfo {
  /** Trace and root-span name. */
  name: string;
  method: string;
  path: string;
  /** The platform's or proxy's request id (`x-request-id`, else `x-vercel-id`), kept in metadata. */
  requestId: string | undefined;
  /** The request's `traceparent` header, when the trace is to be continued. */
  traceparent?: string | undefined;
}

/** Resolved {@link WithTracingOptions}. */
export interface ResolvedTracingOptions {
  name: string | undefined;
  flushTimeoutMs: number;
  continueTrace: boolean;
}
