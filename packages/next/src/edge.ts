/**
 * The build that `edge-light`, `worker` and `browser` resolve to: the same names as the Node
 * entry, as no-ops. Tracing runs on the Node.js runtime only; this keeps `next build` working
 * when an edge route (or client code) can reach an import of `@fusewire/next`, because nothing
 * here touches `node:diagnostics_channel` or `node:async_hooks`. Type imports only.
 */
import type { DropReason, Fusewire, FusewireStats } from '@fusewire/core';
import type { RegisterOptions, WithTracingOptions } from './types.js';

export type { RegisterOptions, WithTracingOptions } from './types.js';

function emptyStats(): FusewireStats {
  const dropped: Record<DropReason, number> = {
    queue_full: 0,
    invalid: 0,
    sampled: 0,
    non_retryable: 0,
    rejected_unattributed: 0,
    retry_exhausted: 0,
    too_large: 0,
    shutdown_timeout: 0,
    after_shutdown: 0,
    spool_full: 0,
    store_error: 0,
  };
  return {
    enqueued: 0,
    delivered: 0,
    pending: 0,
    dropped,
    retries: 0,
    requests: 0,
    bytesSent: 0,
    deadLetters: 0,
    queue: { size: 0, bytes: 0, maxSize: 0, maxBytes: 0 },
  };
}

const EDGE_CLIENT: Fusewire = Object.freeze({
  enabled: false,
  flush: () => Promise.resolve(emptyStats()),
  shutdown: () => Promise.resolve(emptyStats()),
  stats: emptyStats,
  deadLetters: () => [],
  health: () => ({
    status: 'ok' as const,
    reasons: [],
    queue: { events: 0, bytes: 0, maxEvents: 0, maxBytes: 0 },
  }),
});

/**
 * Edge/browser build: returns `handler` itself. Tracing runs on the Node.js runtime only.
 *
 * @example
 * ```ts
 * export const runtime = 'edge';
 * export const GET = withTracing(() => new Response('ok')); // runs untraced on the edge
 * ```
 */
export function withTracing<H extends (...args: any[]) => any>(handler: H, _options?: WithTracingOptions): H {
  return handler;
}

/**
 * Edge/browser build: starts nothing and returns a disabled client.
 *
 * @example
 * ```ts
 * register(); // on the edge runtime: enabled === false, every method a no-op
 * ```
 */
export function register(_options?: RegisterOptions): Fusewire {
  return EDGE_CLIENT;
}
